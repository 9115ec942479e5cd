using System.Data.Common;

namespace NatGateway.Data;

/// <summary>
/// The structure of a SQLite schema as comparable lines (tables, columns with type/nullability/key, indexes, foreign
/// keys), so a database can be checked against what the migrations produce.
/// </summary>
internal static class SchemaShape
{
    /// <summary>EF's own bookkeeping tables: present or not depending on history, never part of the model.</summary>
    private static readonly string[] Ignored = ["__EFMigrationsHistory", "__EFMigrationsLock"];

    public static SortedSet<string> Read(DbConnection connection)
    {
        var shape = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var table in Tables(connection))
        {
            shape.Add($"table {table}");
            Collect(connection, shape, $"""
                SELECT 'column ' || @t || '.' || name || ' ' || upper(type) || (CASE WHEN "notnull" THEN ' not null' ELSE '' END)
                       || (CASE WHEN pk > 0 THEN ' primary key ' || pk ELSE '' END)
                FROM pragma_table_info(@t)
                """, table);
            Collect(connection, shape, """
                SELECT 'index ' || @t || '.' || il.name || (CASE WHEN il."unique" THEN ' unique' ELSE '' END) || ' ('
                       || (SELECT group_concat(ii.name, ', ') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) || ')'
                FROM pragma_index_list(@t) il
                """, table);
            Collect(connection, shape, """
                SELECT 'foreign key ' || @t || '.' || "from" || ' -> ' || "table" || '.' || ifnull("to", '?') || ' on delete ' || on_delete
                FROM pragma_foreign_key_list(@t)
                """, table);
        }
        return shape;
    }

    /// <summary>One line: what is missing and what is unexpected (first few of each).</summary>
    public static string? Compare(SortedSet<string> expected, SortedSet<string> actual)
    {
        var missingTables = expected.Where(l => l.StartsWith("table ", StringComparison.Ordinal) && !actual.Contains(l)).Select(l => l[6..]).ToHashSet();
        var extraTables = actual.Where(l => l.StartsWith("table ", StringComparison.Ordinal) && !expected.Contains(l)).Select(l => l[6..]).ToHashSet();
        // A missing table is one difference, not one per column.
        bool InTable(string line, HashSet<string> tables) => tables.Any(t => line == $"table {t}" || line.Contains($" {t}.", StringComparison.Ordinal));
        var missing = expected.Except(actual).Where(l => !InTable(l, missingTables)).ToList();
        var extra = actual.Except(expected).Where(l => !InTable(l, extraTables)).ToList();
        var problems = missingTables.Order().Select(t => $"table {t} is missing")
            .Concat(extraTables.Order().Select(t => $"unexpected table {t}"))
            .Concat(missing.Select(l => $"expected {l}"))
            .Concat(extra.Select(l => $"unexpected {l}"))
            .ToList();
        if (problems.Count == 0) return null;
        var shown = string.Join("; ", problems.Take(3));
        return problems.Count > 3 ? $"{shown}; and {problems.Count - 3} more difference(s)" : shown;
    }

    private static List<string> Tables(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        var tables = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (!Ignored.Contains(name, StringComparer.Ordinal)) tables.Add(name);
        }
        return tables;
    }

    private static void Collect(DbConnection connection, SortedSet<string> shape, string sql, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var p = command.CreateParameter();
        p.ParameterName = "@t";
        p.Value = table;
        command.Parameters.Add(p);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (!reader.IsDBNull(0)) shape.Add(reader.GetString(0));
    }
}
