SET search_path TO "public";
