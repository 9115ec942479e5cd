namespace NatGateway.Nftables;

/// <summary>A readable line diff ("  same", "- only expected", "+ only actual") for drift reports.</summary>
public static class TextDiff
{
    /// <summary>LCS diff of the part between the common head and tail; huge middles degrade to delete-all/add-all.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<string> expected, IReadOnlyList<string> actual, int context = 2)
    {
        var head = 0;
        while (head < expected.Count && head < actual.Count && expected[head] == actual[head]) head++;
        var tail = 0;
        while (tail < expected.Count - head && tail < actual.Count - head && expected[^(tail + 1)] == actual[^(tail + 1)]) tail++;
        var a = expected.Skip(head).Take(expected.Count - head - tail).ToArray();
        var b = actual.Skip(head).Take(actual.Count - head - tail).ToArray();
        var result = new List<string>();
        foreach (var line in expected.Skip(Math.Max(0, head - context)).Take(Math.Min(head, context))) result.Add("  " + line);
        if ((long)a.Length * b.Length > 4_000_000)
        {
            result.AddRange(a.Select(l => "- " + l));
            result.AddRange(b.Select(l => "+ " + l));
        }
        else
        {
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (var i = a.Length - 1; i >= 0; i--)
                for (var j = b.Length - 1; j >= 0; j--)
                    lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            int x = 0, y = 0;
            while (x < a.Length || y < b.Length)
            {
                if (x < a.Length && y < b.Length && a[x] == b[y]) { result.Add("  " + a[x]); x++; y++; }
                else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) result.Add("+ " + b[y++]);
                else result.Add("- " + a[x++]);
            }
        }
        foreach (var line in expected.Skip(expected.Count - tail).Take(context)) result.Add("  " + line);
        return result;
    }
}
