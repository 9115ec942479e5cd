using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Nat.Tests;

/// <summary>
/// Golden files: Golden/NAME.json = { description, nft: ["nft add rule ..."], nftTable: [kernel listing lines], rules: [...], batch: {...} }.
/// Set NATGW_UPDATE_GOLDEN=1 (as root: the annotation is the kernel's own rendering) to rewrite them.
/// </summary>
internal static class Golden
{
    public static bool Updating => Environment.GetEnvironmentVariable("NATGW_UPDATE_GOLDEN") == "1";

    public static string SourceDirectory([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "..", "Golden");

    public static JsonObject Load(GoldenCase c)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", c.Name + ".json");
        if (Updating) path = Path.Combine(SourceDirectory(), c.Name + ".json");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    public static void Write(GoldenCase c, CompiledRuleset compiled, string kernelText)
    {
        var tableLines = kernelText.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
        var document = new JsonObject
        {
            ["description"] = c.Description,
            ["nft"] = new JsonArray(AddRuleCommands(tableLines).Select(l => (JsonNode)l!).ToArray()),
            ["nftTable"] = new JsonArray(tableLines.Select(l => (JsonNode)l!).ToArray()),
            ["rules"] = new JsonArray(c.Rules.Select(r => JsonNode.Parse(NatRuleJson.Serialize(r))).ToArray()),
            ["batch"] = JsonNode.Parse(compiled.Json),
        };
        Directory.CreateDirectory(SourceDirectory());
        File.WriteAllText(Path.Combine(SourceDirectory(), c.Name + ".json"),
            document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    /// <summary>"nft add rule FAMILY TABLE CHAIN ..." for every rule line of the kernel's listing.</summary>
    public static IEnumerable<string> AddRuleCommands(IReadOnlyList<string> tableLines)
    {
        string? table = null, chain = null;
        foreach (var raw in tableLines)
        {
            var line = raw.Trim();
            if (line.StartsWith("table ")) table = line["table ".Length..^2];
            else if (line.StartsWith("chain ")) chain = line["chain ".Length..^2];
            else if (line == "}") chain = null;
            else if (chain is not null && table is not null && !line.StartsWith("type "))
                yield return $"nft add rule {table} {chain} {line}";
        }
    }
}
