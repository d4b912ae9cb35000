"""Parse a schema file with pglast (PostgreSQL's own grammar).

Three things come out of the parse, none of which the catalog can give:
- fail-closed checks: a statement kind momrel does not model is an error naming file:line;
- rename annotations: `-- @renamed from=old_name` on the line above a CREATE TABLE or a
  column definition;
- where each object is defined (file:line), for the review summary.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ObjectType, RoleSpecType

from momrel.errors import SchemaParseError
from momrel.schema.model import Key

ANNOTATION = re.compile(r"^\s*--\s*@renamed\b(.*)$")
ANNOTATION_ARGUMENT = re.compile(r'^\s+from=("(?:[^"]|"")+"|[^\s"]+)\s*$')

# ALTER TABLE subcommands whose whole effect is visible in the catalog the diff reads.
ALLOWED_ALTER_TABLE = {
    AlterTableType.AT_AddColumn, AlterTableType.AT_ColumnDefault, AlterTableType.AT_DropNotNull,
    AlterTableType.AT_SetNotNull, AlterTableType.AT_AddConstraint, AlterTableType.AT_AddIdentity,
    AlterTableType.AT_SetIdentity, AlterTableType.AT_DropIdentity,
    AlterTableType.AT_AlterColumnType, AlterTableType.AT_DropColumn,
    AlterTableType.AT_DropConstraint, AlterTableType.AT_ValidateConstraint,
    AlterTableType.AT_SetRelOptions, AlterTableType.AT_ResetRelOptions,
    AlterTableType.AT_ReplicaIdentity, AlterTableType.AT_EnableRowSecurity,
    AlterTableType.AT_DisableRowSecurity, AlterTableType.AT_ForceRowSecurity,
    AlterTableType.AT_NoForceRowSecurity, AlterTableType.AT_SetLogged, AlterTableType.AT_SetUnLogged,
    AlterTableType.AT_AttachPartition, AlterTableType.AT_DetachPartition,
    AlterTableType.AT_AddInherit, AlterTableType.AT_DropInherit,
}

COMMENT_TARGETS = {
    ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN, ObjectType.OBJECT_VIEW,
    ObjectType.OBJECT_MATVIEW, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_SEQUENCE,
    ObjectType.OBJECT_TYPE, ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE,
    ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_TABCONSTRAINT, ObjectType.OBJECT_SCHEMA,
    ObjectType.OBJECT_POLICY, ObjectType.OBJECT_COLLATION,
}

# What GRANT and REVOKE may act on (TABLE covers views, materialized views and columns too).
GRANT_TARGETS = {
    ObjectType.OBJECT_TABLE, ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_FUNCTION,
    ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE, ObjectType.OBJECT_SCHEMA,
    ObjectType.OBJECT_TYPE,
}

SUPPORTED = ("CREATE SCHEMA/EXTENSION/COLLATION/[UNLOGGED] TABLE/INDEX/SEQUENCE/TYPE … AS ENUM/VIEW/"
             "MATERIALIZED VIEW/FUNCTION/PROCEDURE/[CONSTRAINT] TRIGGER/POLICY, ALTER TABLE/"
             "SEQUENCE/POLICY/TYPE … ADD VALUE, COMMENT ON, GRANT/REVOKE, SET")


@dataclass(frozen=True)
class Rename:
    kind: str            # "table" | "column"
    schema: str
    table: str           # the table's name in the new file
    old: str
    new: str
    line: int


@dataclass
class ParsedSchema:
    where: str                                     # the file as messages name it
    statement_count: int = 0
    renames: list[Rename] = field(default_factory=list)
    lines: dict[Key, int] = field(default_factory=dict)
    function_lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def line_of(self, key: Key) -> int | None:
        if key[0] == "function":
            return self.function_lines.get((key[1], key[2]))
        if key in self.lines:
            return self.lines[key]
        if key[0] in ("column", "constraint", "trigger", "policy"):
            return self.lines.get(("table", key[1], key[2]))
        return None


class SourceText:
    """Offsets (pglast reports character indexes into the text) to line numbers."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def statement(self, raw) -> str:
        """A raw statement's own text (pglast's stmt_len is 0 for the last one)."""
        end = raw.stmt_location + raw.stmt_len if raw.stmt_len else len(self.text)
        return self.text[raw.stmt_location:end]

    def statements(self):
        """(raw statement, its text) for each statement, in order; raises pglast's ParseError."""
        return [(raw, self.statement(raw)) for raw in pglast.parse_sql(self.text)]

    def start_of_statement(self, offset: int) -> int:
        """Skip whitespace and comments that may lead a statement's text."""
        text = self.text
        while offset < len(text):
            if text[offset].isspace():
                offset += 1
            elif text.startswith("--", offset):
                end = text.find("\n", offset)
                offset = len(text) if end < 0 else end + 1
            elif text.startswith("/*", offset):
                end = text.find("*/", offset + 2)
                offset = len(text) if end < 0 else end + 2
            else:
                break
        return offset


def _name(identifier: str) -> str:
    """An identifier as PostgreSQL stores it: quoted keeps case, unquoted folds to lower case."""
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier.lower()


def _statement_words(text: str) -> str:
    words = re.findall(r"[A-Za-z_]+", text[:200])
    upper = [w.upper() for w in words]
    if upper[:1] == ["CREATE"]:
        rest = [w for w in upper[1:] if w not in ("OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED",
                                                   "GLOBAL", "LOCAL", "UNIQUE", "DEFAULT")]
        return " ".join(["CREATE"] + rest[:1])
    return " ".join(upper[:2]) if upper[:1] in (["ALTER"], ["DROP"]) else " ".join(upper[:1])


def parse_schema(text: str, where: str, target_schema: str) -> ParsedSchema:
    """Parse and check a schema file; raise SchemaParseError naming file:line on anything refused."""
    try:
        raw_statements = pglast.parse_sql(text)
    except pglast.parser.ParseError as exc:
        position = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else 0
        line = SourceText(text).line(position)
        raise SchemaParseError(f"{where}:{line}: syntax error: {exc.args[0]}") from None
    source = SourceText(text)
    parsed = ParsedSchema(where)
    starts: dict[int, ast.Node] = {}   # first line of a statement -> its node
    column_lines: dict[int, tuple[str, str, str]] = {}  # line -> (schema, table, column)
    for raw in raw_statements:
        begin = source.start_of_statement(raw.stmt_location)
        line = source.line(begin)
        statement = raw.stmt
        _check_statement(statement, source.statement(raw), f"{where}:{line}")
        parsed.statement_count += 1
        starts[line] = statement
        _record_definitions(statement, line, source, target_schema, parsed, column_lines)
    _read_annotations(text, source, starts, column_lines, target_schema, parsed)
    return parsed


def _check_statement(node: ast.Node, text: str, at: str) -> None:
    def refuse(what: str) -> None:
        raise SchemaParseError(f"{at}: {what} is not supported by momrel schema diff "
                               f"(supported: {SUPPORTED})")

    if isinstance(node, ast.CreateStmt):
        if node.ofTypename:
            refuse("CREATE TABLE … OF a type (a typed table)")
        if node.relation.relpersistence == "t":
            refuse("a TEMPORARY table")
    elif isinstance(node, ast.CreateTableAsStmt):
        if node.objtype != ObjectType.OBJECT_MATVIEW:
            refuse("CREATE TABLE … AS (data, not schema)")
    elif isinstance(node, ast.AlterTableStmt):
        if node.objtype != ObjectType.OBJECT_TABLE:
            refuse(_statement_words(text))
        for command in node.cmds:
            if command.subtype not in ALLOWED_ALTER_TABLE:
                words = command.subtype.name.removeprefix("AT_")
                words = re.sub(r"(?<!^)(?=[A-Z])", " ", words).upper()
                refuse(f"ALTER TABLE … {words}")
    elif isinstance(node, ast.CommentStmt):
        if node.objtype not in COMMENT_TARGETS:
            refuse(f"COMMENT ON {node.objtype.name.removeprefix('OBJECT_')}")
    elif isinstance(node, ast.VariableSetStmt):
        if (node.name or "").lower() == "search_path":
            refuse("SET search_path (schema files are schema-neutral)")
    elif isinstance(node, ast.GrantStmt):
        _check_grant(node, refuse)
    elif isinstance(node, ast.GrantRoleStmt):
        refuse("GRANT/REVOKE of a role to a role (roles live outside the schema file)")
    elif isinstance(node, ast.AlterDefaultPrivilegesStmt):
        refuse("ALTER DEFAULT PRIVILEGES (it acts on objects created later; grant on each object "
               "instead)")
    elif isinstance(node, ast.CreateSchemaStmt):
        if node.schemaElts:
            refuse("CREATE SCHEMA with elements")
    elif isinstance(node, ast.DefineStmt):
        if node.kind != ObjectType.OBJECT_COLLATION:
            refuse(_statement_words(text))
    elif not isinstance(node, (ast.CreateExtensionStmt, ast.IndexStmt, ast.CreateSeqStmt,
                               ast.AlterSeqStmt, ast.CreateEnumStmt, ast.AlterEnumStmt,
                               ast.ViewStmt, ast.CreateFunctionStmt, ast.CreateTrigStmt,
                               ast.CreatePolicyStmt, ast.AlterPolicyStmt)):
        refuse(_statement_words(text))


def _check_grant(node: ast.GrantStmt, refuse) -> None:
    word = "GRANT" if node.is_grant else "REVOKE"
    if node.objtype not in GRANT_TARGETS:
        refuse(f"{word} … ON {node.objtype.name.removeprefix('OBJECT_').replace('_', ' ')}")
    if node.grantor is not None and node.grantor.roletype not in (RoleSpecType.ROLESPEC_CURRENT_USER,
                                                                  RoleSpecType.ROLESPEC_CURRENT_ROLE):
        refuse(f"{word} … GRANTED BY a role (the grantor is whoever runs the migration)")


def _schema_of(relation, target_schema: str) -> str:
    return relation.schemaname or target_schema


def _qualified_name(names, target_schema: str) -> tuple[str, str]:
    parts = [n.sval for n in names]
    return (parts[-2] if len(parts) > 1 else target_schema), parts[-1]


def _record_definitions(node, line, source, target, parsed: ParsedSchema, column_lines) -> None:
    lines = parsed.lines
    if isinstance(node, ast.CreateStmt):
        schema, table = _schema_of(node.relation, target), node.relation.relname
        lines[("table", schema, table)] = line
        for element in node.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                column_line = source.line(element.location)
                lines[("column", schema, table, element.colname)] = column_line
                column_lines[column_line] = (schema, table, element.colname)
            elif isinstance(element, ast.Constraint) and element.conname:
                lines[("constraint", schema, table, element.conname)] = source.line(element.location)
    elif isinstance(node, ast.AlterTableStmt):
        schema, table = _schema_of(node.relation, target), node.relation.relname
        for command in node.cmds:
            definition = command.def_
            if isinstance(definition, ast.ColumnDef):
                column_line = source.line(definition.location)
                lines[("column", schema, table, definition.colname)] = column_line
                column_lines[column_line] = (schema, table, definition.colname)
            elif isinstance(definition, ast.Constraint) and definition.conname:
                lines[("constraint", schema, table, definition.conname)] = line
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        lines[("index", _schema_of(node.relation, target), node.idxname)] = line
    elif isinstance(node, ast.CreateSeqStmt):
        lines[("sequence", _schema_of(node.sequence, target), node.sequence.relname)] = line
    elif isinstance(node, ast.CreateEnumStmt):
        lines[("enum", *_qualified_name(node.typeName, target))] = line
    elif isinstance(node, ast.ViewStmt):
        lines[("view", _schema_of(node.view, target), node.view.relname)] = line
    elif isinstance(node, ast.CreateTableAsStmt):
        relation = node.into.rel
        lines[("view", _schema_of(relation, target), relation.relname)] = line
    elif isinstance(node, ast.CreateFunctionStmt):
        parsed.function_lines.setdefault(_qualified_name(node.funcname, target), line)
    elif isinstance(node, ast.CreateTrigStmt):
        schema = _schema_of(node.relation, target)
        lines[("trigger", schema, node.relation.relname, node.trigname)] = line
    elif isinstance(node, ast.DefineStmt) and node.kind == ObjectType.OBJECT_COLLATION:
        lines[("collation", *_qualified_name(node.defnames, target))] = line
    elif isinstance(node, ast.CreatePolicyStmt):
        schema = _schema_of(node.table, target)
        lines[("policy", schema, node.table.relname, node.policy_name)] = line
    elif isinstance(node, ast.CreateSchemaStmt):
        lines[("schema", node.schemaname)] = line
    elif isinstance(node, ast.CreateExtensionStmt):
        lines[("extension", node.extname)] = line


def _read_annotations(text, source, starts, column_lines, target, parsed: ParsedSchema) -> None:
    text_lines = text.splitlines()
    for number, content in enumerate(text_lines, start=1):
        match = ANNOTATION.match(content)
        if not match:
            continue
        at = f"{parsed.where}:{number}"
        argument = ANNOTATION_ARGUMENT.match(match.group(1))
        if not argument:
            raise SchemaParseError(f"{at}: a rename annotation reads `-- @renamed from=old_name`")
        old = _name(argument.group(1))
        following = number + 1
        while following <= len(text_lines) and (not text_lines[following - 1].strip()
                                                 or text_lines[following - 1].strip().startswith("--")):
            following += 1
        statement = starts.get(following)
        if isinstance(statement, ast.CreateStmt):
            schema, table = _schema_of(statement.relation, target), statement.relation.relname
            parsed.renames.append(Rename("table", schema, table, old, table, number))
        elif following in column_lines:
            schema, table, column = column_lines[following]
            parsed.renames.append(Rename("column", schema, table, old, column, number))
        else:
            raise SchemaParseError(f"{at}: `@renamed` must be on the line above a CREATE TABLE "
                                   "or a column definition")
