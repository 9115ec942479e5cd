using DiffPlex;
using DiffPlex.Chunkers;

namespace NatGateway.Nftables;

/// <summary>A readable line diff ("  same", "- only expected", "+ only actual") for drift reports, pending changes and revisions.</summary>
public static class TextDiff
{
    /// <summary>The marker between two hunks whose unchanged lines in between are left out.</summary>
    public const string Gap = "  ...";

    /// <summary>
    /// DiffPlex's Myers diff (O(N·D), not the quadratic LCS table: 10,000-line rulesets diff in milliseconds), printed as
    /// hunks: each changed block is its removed lines, then its added lines, with <paramref name="context"/> unchanged lines
    /// around it; unchanged runs longer than that between hunks become <see cref="Gap"/>.
    /// </summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<string> expected, IReadOnlyList<string> actual, int context = 2)
    {
        var result = new List<string>();
        // An empty text would chunk into one empty line: the trivial cases need no diff.
        if (expected.Count == 0 || actual.Count == 0)
        {
            result.AddRange(expected.Select(l => "- " + l));
            result.AddRange(actual.Select(l => "+ " + l));
            return result;
        }
        var blocks = Blocks(expected, actual);
        var printedA = 0; // the lines of expected before this index are printed (or left out as a gap)
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            var from = Math.Max(printedA, block.DeleteStartA - context);
            if (from > printedA) result.Add(Gap);
            for (var i = from; i < block.DeleteStartA; i++) result.Add("  " + expected[i]);
            for (var i = 0; i < block.DeleteCountA; i++) result.Add("- " + expected[block.DeleteStartA + i]);
            for (var i = 0; i < block.InsertCountB; i++) result.Add("+ " + actual[block.InsertStartB + i]);
            printedA = block.DeleteStartA + block.DeleteCountA;
            // Trailing context, up to where the next block's own leading context takes over.
            var until = Math.Min(expected.Count, printedA + context);
            if (b + 1 < blocks.Count) until = Math.Min(until, blocks[b + 1].DeleteStartA);
            for (var i = printedA; i < until; i++) result.Add("  " + expected[i]);
            printedA = until;
        }
        if (blocks.Count > 0 && printedA < expected.Count) result.Add(Gap);
        return result;
    }

    /// <summary>
    /// The changed blocks (start and count in each text). The common head and tail are trimmed first and only the middle
    /// goes through DiffPlex: two 10,000-line rulesets one line apart diff in microseconds instead of hashing and
    /// chunking both whole texts. DiffPlex trims the same head and tail itself before its Myers search, so the blocks
    /// are the ones it gives for the whole texts.
    /// </summary>
    private static List<(int DeleteStartA, int DeleteCountA, int InsertStartB, int InsertCountB)> Blocks(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var head = 0;
        while (head < a.Count && head < b.Count && string.Equals(a[head], b[head], StringComparison.Ordinal)) head++;
        var tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && string.Equals(a[a.Count - 1 - tail], b[b.Count - 1 - tail], StringComparison.Ordinal)) tail++;
        int countA = a.Count - head - tail, countB = b.Count - head - tail;
        if (countA == 0 && countB == 0) return [];
        // One side empty in the middle: one block (DiffPlex would chunk an empty text into one empty line).
        if (countA == 0 || countB == 0) return [(head, countA, head, countB)];
        // Middles without a line in common (another renderer's text): every line is changed, one block, as DiffPlex
        // finds too, but its Myers search would cost (N+M)² here.
        var inA = new HashSet<string>(StringComparer.Ordinal);
        for (var i = head; i < head + countA; i++) inA.Add(a[i]);
        var shared = false;
        for (var i = head; i < head + countB && !shared; i++) shared = inA.Contains(b[i]);
        if (!shared) return [(head, countA, head, countB)];
        var diff = Differ.Instance.CreateDiffs(Join(a, head, countA), Join(b, head, countB), ignoreWhiteSpace: false, ignoreCase: false, new LineChunker());
        // Both middles were joined with '\n' only: the chunker's pieces are exactly the input lines.
        return diff.DiffBlocks.Select(d => (head + d.DeleteStartA, d.DeleteCountA, head + d.InsertStartB, d.InsertCountB)).ToList();
    }

    private static string Join(IReadOnlyList<string> lines, int start, int count) =>
        string.Join('\n', Enumerable.Range(start, count).Select(i => lines[i]));
}
