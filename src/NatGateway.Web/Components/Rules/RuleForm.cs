using System.Text.Json;
using NatGateway.Nat;

namespace NatGateway.Web.Components.Rules;

/// <summary>
/// What the rule editor binds to: plain strings as the operator types them. It is turned into the REST JSON
/// shape and parsed by the domain (NatRuleJson), so the page and the API give the same per-field messages.
/// </summary>
public sealed class RuleForm
{
    public string Kind { get; set; } = "dnat";
    public Guid? Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool Enabled { get; set; } = true;
    public string Interfaces { get; set; } = "";
    public string Protocol { get; set; } = "tcp";
    public string SourceCidrs { get; set; } = "";
    public string DestinationCidrs { get; set; } = "";
    public string? DestinationAddress { get; set; }
    public string DestinationPort { get; set; } = "";
    public string TargetAddress { get; set; } = "";
    public string? TargetPort { get; set; }
    public bool Hairpin { get; set; }
    public string TranslateTo { get; set; } = "";
    public string? Ports { get; set; }
    public bool Random { get; set; }
    public bool FullyRandom { get; set; }
    public bool Persistent { get; set; }

    public static RuleForm From(NatRule rule)
    {
        var form = new RuleForm
        {
            Kind = NatRuleJson.KindText(rule.Kind), Id = rule.Id, Name = rule.Name, Description = rule.Description, Enabled = rule.Enabled,
        };
        switch (rule)
        {
            case DnatRule d:
                form.Interfaces = string.Join(", ", d.InInterfaces);
                form.Protocol = NatRuleJson.ProtocolText(d.Protocol);
                form.SourceCidrs = string.Join(", ", d.SourceCidrs);
                form.DestinationAddress = d.DestinationAddress?.ToString();
                form.DestinationPort = d.DestinationPort.ToString();
                form.TargetAddress = d.TargetAddress.ToString();
                form.TargetPort = d.TargetPort?.ToString();
                form.Hairpin = d.Hairpin;
                break;
            case SnatRule s:
                form.Interfaces = string.Join(", ", s.OutInterfaces);
                form.Protocol = s.Protocol is { } sp ? NatRuleJson.ProtocolText(sp) : "";
                form.SourceCidrs = string.Join(", ", s.SourceCidrs);
                form.DestinationCidrs = string.Join(", ", s.DestinationCidrs);
                form.TranslateTo = s.TranslateTo.ToString();
                form.Ports = s.Ports?.ToString();
                form.SetOptions(s.Options);
                break;
            case MasqueradeRule m:
                form.Interfaces = string.Join(", ", m.OutInterfaces);
                form.Protocol = m.Protocol is { } mp ? NatRuleJson.ProtocolText(mp) : "";
                form.SourceCidrs = string.Join(", ", m.SourceCidrs);
                form.Ports = m.Ports?.ToString();
                form.SetOptions(m.Options);
                break;
        }
        return form;
    }

    private void SetOptions(NatOptions options)
    {
        Random = options.HasFlag(NatOptions.Random);
        FullyRandom = options.HasFlag(NatOptions.FullyRandom);
        Persistent = options.HasFlag(NatOptions.Persistent);
    }

    private static List<string> List(string text) =>
        text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The REST JSON for this form, built from a typed dictionary (never by concatenation).</summary>
    public string ToJson()
    {
        var doc = new Dictionary<string, object?>
        {
            ["kind"] = Kind, ["name"] = Name.Trim(), ["description"] = Blank(Description), ["enabled"] = Enabled,
        };
        var options = new List<string>();
        if (Random) options.Add("random");
        if (FullyRandom) options.Add("fully-random");
        if (Persistent) options.Add("persistent");
        switch (Kind)
        {
            case "dnat":
                doc["inInterfaces"] = List(Interfaces);
                doc["protocol"] = Protocol;
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationAddress"] = Blank(DestinationAddress);
                doc["destinationPort"] = DestinationPort.Trim();
                doc["targetAddress"] = TargetAddress.Trim();
                doc["targetPort"] = Blank(TargetPort);
                doc["hairpin"] = Hairpin;
                break;
            case "snat":
                doc["outInterfaces"] = List(Interfaces);
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationCidrs"] = List(DestinationCidrs);
                doc["protocol"] = Blank(Protocol);
                doc["translateTo"] = TranslateTo.Trim();
                doc["ports"] = Blank(Ports);
                doc["options"] = options;
                break;
            default:
                doc["outInterfaces"] = List(Interfaces);
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["protocol"] = Blank(Protocol);
                doc["ports"] = Blank(Ports);
                doc["options"] = options;
                break;
        }
        return JsonSerializer.Serialize(doc);
    }

    /// <summary>Parses through the domain; errors come back keyed by JSON field name.</summary>
    public NatRuleParseResult Parse() => NatRuleJson.Parse(ToJson());
}
