using System.Globalization;
using System.Text.RegularExpressions;

namespace NatGateway.Nat;

/// <summary>
/// The words an operator sees for a field of the REST shape: "sourceCidrs[1]" is "Source CIDR 2", "inInterfaces" is
/// "Input interfaces". Issue fields stay JSON property paths (API clients key on them); messages use these labels.
/// </summary>
public static partial class RuleFieldLabels
{
    private static readonly Dictionary<string, (string List, string Item)> Labels = new(StringComparer.Ordinal)
    {
        ["kind"] = ("Rule kind", "Rule kind"),
        ["id"] = ("Id", "Id"),
        ["name"] = ("Name", "Name"),
        ["description"] = ("Description", "Description"),
        ["enabled"] = ("Enabled", "Enabled"),
        ["position"] = ("Position", "Position"),
        ["family"] = ("Address family", "Address family"),
        ["markId"] = ("Mark id", "Mark id"),
        ["createdAt"] = ("Created at", "Created at"),
        ["updatedAt"] = ("Updated at", "Updated at"),
        ["createdBy"] = ("Created by", "Created by"),
        ["updatedBy"] = ("Updated by", "Updated by"),
        ["inInterfaces"] = ("Input interfaces", "Input interface"),
        ["outInterfaces"] = ("Output interfaces", "Output interface"),
        ["protocol"] = ("Protocol", "Protocol"),
        ["sourceCidrs"] = ("Source CIDRs", "Source CIDR"),
        ["destinationCidrs"] = ("Destination CIDRs", "Destination CIDR"),
        ["destinationAddress"] = ("Destination address", "Destination address"),
        ["destinationPort"] = ("Destination port", "Destination port"),
        ["targetAddress"] = ("Target address", "Target address"),
        ["targetPort"] = ("Target port", "Target port"),
        ["translateTo"] = ("Translate to", "Translate to"),
        ["ports"] = ("Port range", "Port range"),
        ["options"] = ("Options", "Option"),
        ["hairpin"] = ("NAT reflection (hairpin)", "NAT reflection (hairpin)"),
        ["outsideInterfaces"] = ("Outside interfaces", "Outside interface"),
        ["insidePrefix"] = ("Inside prefix", "Inside prefix"),
        ["outsidePrefix"] = ("Outside prefix", "Outside prefix"),
        ["backends"] = ("Backends", "Backend"),
        ["method"] = ("Balancing method", "Balancing method"),
        ["timeouts"] = ("Conntrack timeouts", "Conntrack timeouts"),
        ["timeouts.tcpEstablished"] = ("TCP established timeout", "TCP established timeout"),
        ["timeouts.udpUnreplied"] = ("UDP unreplied timeout", "UDP unreplied timeout"),
        ["timeouts.udpReplied"] = ("UDP replied timeout", "UDP replied timeout"),
    };

    /// <summary>Fields of a list item that is an object, by "list.field": "backends[1].address" is "Backend 2 address".</summary>
    private static readonly Dictionary<string, string> ItemFields = new(StringComparer.Ordinal)
    {
        ["backends.address"] = "address",
        ["backends.port"] = "port",
        ["backends.weight"] = "weight",
    };

    /// <summary>
    /// "sourceCidrs[1]" → "Source CIDR 2"; "backends[1].address" → "Backend 2 address"; "name" → "Name"; an unknown field
    /// is quoted as given.
    /// </summary>
    public static string Of(string field)
    {
        var nested = ItemFieldPattern().Match(field);
        if (nested.Success && ItemFields.TryGetValue($"{nested.Groups[1].Value}.{nested.Groups[3].Value}", out var sub)
            && Labels.TryGetValue(nested.Groups[1].Value, out var list))
            return $"{list.Item} {int.Parse(nested.Groups[2].Value, CultureInfo.InvariantCulture) + 1} {sub}";
        var m = ItemPattern().Match(field);
        if (m.Success && Labels.TryGetValue(m.Groups[1].Value, out var item))
            return $"{item.Item} {int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1}";
        return Labels.TryGetValue(field, out var label) ? label.List : $"Field '{field}'";
    }

    [GeneratedRegex(@"^([A-Za-z]+)\[(\d{1,9})\]$")]
    private static partial Regex ItemPattern();

    [GeneratedRegex(@"^([A-Za-z]+)\[(\d{1,9})\]\.([A-Za-z]+)$")]
    private static partial Regex ItemFieldPattern();
}
