using System.Globalization;
using NatGateway.Nat;

namespace NatGateway.Core.Tracing;

/// <summary>A probe as typed (the Trace page's form, <c>natgw trace</c>'s flags, the API's fields), before validation.</summary>
public sealed record ProbeFields(string? Family, string? Protocol, string? Source, string? Destination, string? SourcePort,
    string? DestinationPort, string? InInterface);

/// <summary>
/// One validation of a probe for the page, the API and the CLI, with errors keyed by the API's field names
/// (<see cref="Fields"/>). The family is inferred from the addresses when not given; the source port is optional
/// (0 = any: no rule of ours matches on it, and a live trace then follows every source port).
/// </summary>
public static class ProbeParser
{
    public const string Family = "family", Protocol = "protocol", Source = "source", Destination = "destination",
        SourcePort = "sourcePort", DestinationPort = "destinationPort", InInterface = "inInterface";

    public static readonly IReadOnlyList<string> Fields = [Family, Protocol, Source, Destination, SourcePort, DestinationPort, InInterface];

    public static (PacketProbe? Probe, Dictionary<string, string[]> Errors) Parse(ProbeFields input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Error(string field, string message) => errors[field] = [message];

        NatFamily? family = null;
        if (!string.IsNullOrWhiteSpace(input.Family))
        {
            family = input.Family.Trim().ToLowerInvariant() switch
            {
                "ipv4" or "4" => NatFamily.Ipv4,
                "ipv6" or "6" => NatFamily.Ipv6,
                _ => null,
            };
            if (family is null) Error(Family, $"'{input.Family}' is not ipv4 or ipv6");
        }

        ProbeProtocol? protocol = input.Protocol?.Trim().ToLowerInvariant() switch
        {
            "tcp" or "6" => ProbeProtocol.Tcp,
            "udp" or "17" => ProbeProtocol.Udp,
            _ => null,
        };
        if (protocol is null)
            Error(Protocol, string.IsNullOrWhiteSpace(input.Protocol) ? "is required (tcp or udp)" : $"'{input.Protocol}' is not tcp or udp");

        var source = Address(input.Source, Source, "source", Error);
        var destination = Address(input.Destination, Destination, "destination", Error);
        if (source is not null && destination is not null && IpMath.FamilyOf(source) != IpMath.FamilyOf(destination))
            Error(Destination, $"{destination} is {StaticPacketTracer.FamilyText(IpMath.FamilyOf(destination))}, the source is {StaticPacketTracer.FamilyText(IpMath.FamilyOf(source))}");
        var inferred = source is not null ? IpMath.FamilyOf(source) : destination is not null ? IpMath.FamilyOf(destination) : (NatFamily?)null;
        if (family is not null && inferred is not null && family != inferred && !errors.ContainsKey(Family))
            Error(Family, $"the addresses are {StaticPacketTracer.FamilyText(inferred.Value)}");

        var sourcePort = 0;
        if (!string.IsNullOrWhiteSpace(input.SourcePort)) sourcePort = Port(input.SourcePort, SourcePort, Error) ?? 0;
        int? destinationPort = string.IsNullOrWhiteSpace(input.DestinationPort)
            ? Missing(DestinationPort, "is required (1 to 65535)", Error)
            : Port(input.DestinationPort, DestinationPort, Error);

        var inInterface = input.InInterface?.Trim() ?? "";
        if (inInterface.Length == 0) Error(InInterface, "is required: the interface the packet arrives on");
        else if (InterfaceName.Problem(inInterface) is { } problem) Error(InInterface, problem);
        else if (InterfaceName.IsWildcard(inInterface)) Error(InInterface, $"'{inInterface}' is a wildcard; a packet arrives on one interface");

        if (errors.Count > 0) return (null, errors);
        return (new PacketProbe(inferred!.Value, protocol!.Value, source!, destination!, sourcePort, destinationPort!.Value, inInterface), errors);
    }

    private static System.Net.IPAddress? Address(string? text, string field, string what, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(text)) { error(field, $"is required: the packet's {what} address"); return null; }
        if (!IpMath.TryParseAddress(text, out var address)) { error(field, $"'{text.Trim()}' is not an IP address"); return null; }
        return address;
    }

    private static int? Port(string text, string field, Action<string, string> error)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
        {
            error(field, $"'{text.Trim()}' is not a port (1 to 65535)");
            return null;
        }
        return port;
    }

    private static int? Missing(string field, string message, Action<string, string> error)
    {
        error(field, message);
        return null;
    }
}
