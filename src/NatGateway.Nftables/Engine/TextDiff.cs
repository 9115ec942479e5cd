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
        var diff = Differ.Instance.CreateDiffs(string.Join('\n', expected), string.Join('\n', actual),
            ignoreWhiteSpace: false, ignoreCase: false, new LineChunker());
        // Both texts were joined with '\n' only: the chunker's pieces are exactly the input lines.
        var blocks = diff.DiffBlocks;
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
}
