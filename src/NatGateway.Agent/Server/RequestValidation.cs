using System.Runtime.InteropServices;
using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Agent.Server;

/// <summary>
/// Turns request fields into the app's types, checking each as if a user had sent it: the agent trusts nothing from the
/// web process it would not accept from a user. Every failure is an <see cref="AgentRequestException"/> naming the field;
/// nothing here touches the kernel.
/// </summary>
public static class RequestValidation
{
    public static T Required<T>(T? value, string field) where T : class =>
        value ?? throw new AgentRequestException(field, "missing");

    public static T Required<T>(T? value, string field) where T : struct =>
        value ?? throw new AgentRequestException(field, "missing");

    /// <summary>A key NatGateway manages (SysctlPolicy.IsManaged): forwarding, rp_filter, nf_conntrack_*; never a path.</summary>
    public static SysctlKey ManagedKey(string[]? segments, string field = "key")
    {
        var s = Required(segments, field);
        if (s.Length is 0 or > 8 || s.Any(x => x is null || x.Length is 0 or > 64))
            throw new AgentRequestException(field, "not a sysctl key");
        var key = new SysctlKey(s);
        if (!SysctlPolicy.IsManaged(key)) throw new AgentRequestException(field, $"{key.Name} is not a sysctl NatGateway manages");
        return key;
    }

    public static string SysctlValue(string? value, string field = "value")
    {
        var v = Required(value, field);
        if (!SysctlPolicy.IsValidValue(v)) throw new AgentRequestException(field, "a sysctl value is one to four unsigned numbers");
        return v;
    }

    /// <summary>Lists that passed <see cref="Rules(JsonElement?)"/>, by the SHA-256 of their exact bytes (Render, Apply and DetectDrift of
    /// one revision send the same list: it is parsed and validated once).</summary>
    private static readonly ValidatedRulesCache RulesCache = new();

    /// <summary>Rules in the REST shape: parsed by NatRuleJson, then checked by NatRuleValidator like a saved list
    /// (through <see cref="RuleListValidator"/>: the same checks without ValidateAll's quadratic copying).</summary>
    /// <summary>MSS-clamp interfaces: real interface names only (the compiler puts them in nft strings), at most 256.</summary>
    public static IReadOnlyList<string> MssClamp(string[]? names)
    {
        if (names is null) return [];
        if (names.Length > 256) throw new AgentRequestException("mssClamp", "at most 256 interfaces");
        return names.Select(n => Interface(n, "mssClamp")).ToArray();
    }

    /// <summary>
    /// The rules of a request: the array itself, or (for an apply of a list the agent prepared) only the SHA-256 of its
    /// bytes, which names a list that already passed <see cref="Rules(JsonElement?)"/> in this process. A hash the cache
    /// does not hold (the agent restarted, the entry went) is refused under the field <c>rulesHash</c>; the client then
    /// sends the whole list. Nothing unchecked gets through: only validated lists are ever in the cache.
    /// </summary>
    public static IReadOnlyList<NatRule> Rules(JsonElement? element, string? rulesHash)
    {
        if (element is not null || rulesHash is null) return Rules(element);
        if (rulesHash.Length != 64 || !rulesHash.All(char.IsAsciiHexDigit)) throw new AgentRequestException(RulesHashField, "not a SHA-256 in hex");
        if (RulesCache.TryGet(Convert.FromHexString(rulesHash), out var known)) return known;
        throw new AgentRequestException(RulesHashField, NotPreparedMessage);
    }

    /// <summary>The field of a refused <see cref="Rules(JsonElement?, string?)"/> by hash.</summary>
    public const string RulesHashField = "rulesHash";

    public const string NotPreparedMessage = "no list with this hash was prepared here; send the rules";

    public static IReadOnlyList<NatRule> Rules(JsonElement? element) => RulesBeside(element, null);

    /// <summary>
    /// <see cref="Rules(JsonElement?)"/>, running <paramref name="beside"/> on the parsed list on another core while the
    /// list is validated (the prepare compiles it there). Its work is waited for, and counts only when the list is valid:
    /// a validation error is thrown even when <paramref name="beside"/> failed too. A list validated before runs it here.
    /// </summary>
    public static IReadOnlyList<NatRule> RulesBeside(JsonElement? element, Action<IReadOnlyList<NatRule>>? beside)
    {
        var array = Required(element, "rules");
        if (array.ValueKind != JsonValueKind.Array) throw new AgentRequestException("rules", "must be an array");
        var hash = ValidatedRulesCache.Hash(JsonMarshal.GetRawUtf8Value(array));
        if (RulesCache.TryGet(hash, out var known))
        {
            beside?.Invoke(known);
            return known;
        }
        var count = array.GetArrayLength();
        if (count > AgentProtocol.MaxRules) throw new AgentRequestException("rules", $"at most {AgentProtocol.MaxRules} rules");
        var rules = ParseAll(array, count);
        var work = beside is null ? null : Task.Run(() => beside(rules));
        try
        {
            if (rules.Select(r => r.Id).Distinct().Count() != rules.Length) throw new AgentRequestException("rules", "rule ids repeat");
            if (RuleListValidator.FirstError(rules) is var (i, error))
                throw new AgentRequestException($"rules[{i}].{error.Field}", error.Message);
        }
        catch (AgentRequestException)
        {
            try { work?.Wait(); } catch (AggregateException) { } // the list is refused for its validation error
            throw;
        }
        try { work?.Wait(); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }
        RulesCache.Add(hash, rules);
        return rules;
    }

    /// <summary>
    /// Each element as a rule, on every core (10,000 rules: the largest part of a prepare's time after the compile); the
    /// first malformed element in list order is the one reported. The parsed document is only read here.
    /// </summary>
    private static NatRule[] ParseAll(JsonElement array, int count)
    {
        // Collected first: indexing an array of objects walks it from the start each time.
        var items = new JsonElement[count];
        var n = 0;
        foreach (var item in array.EnumerateArray()) items[n++] = item;
        var parsed = new NatRuleParseResult[count];
        const int chunk = 512;
        Parallel.For(0, (count + chunk - 1) / chunk, c =>
        {
            for (var i = c * chunk; i < Math.Min(count, (c + 1) * chunk); i++) parsed[i] = NatRuleJson.Parse(items[i]);
        });
        var rules = new NatRule[count];
        for (var i = 0; i < count; i++)
        {
            if (!parsed[i].Success)
            {
                var first = parsed[i].Errors.FirstOrDefault();
                throw new AgentRequestException($"rules[{i}].{first?.Field}", first?.Message ?? "not a rule");
            }
            rules[i] = parsed[i].Rule!;
        }
        return rules;
    }

    public static IPFamily Family(IPFamily? family)
    {
        var f = family ?? IPFamily.Any;
        if (!Enum.IsDefined(f)) throw new AgentRequestException("family", "not an address family");
        return f;
    }

    public static FlowEventGroups Groups(FlowEventGroups? groups)
    {
        var g = Required(groups, "groups");
        if (g == FlowEventGroups.None || (g & ~FlowEventGroups.All) != 0) throw new AgentRequestException("groups", "not event groups");
        return g;
    }

    public static PersistedFile File(PersistedFile? file)
    {
        var f = Required(file, "file");
        if (!Enum.IsDefined(f)) throw new AgentRequestException("file", "not a persisted file kind");
        return f;
    }

    /// <summary>FlowFilter text (canonical form), length-capped before the parser sees it.</summary>
    public static FlowFilter? Filter(string? text)
    {
        if (text is null) return null;
        if (text.Length > AgentProtocol.MaxFilterTextLength) throw new AgentRequestException("filter", $"longer than {AgentProtocol.MaxFilterTextLength} characters");
        if (!FlowFilter.TryParse(text, out var filter, out var error)) throw new AgentRequestException("filter", error?.Message ?? "does not parse");
        return filter;
    }

    public static DumpFilter? KernelFilter(DumpFilterWire? wire)
    {
        if (wire is null) return null;
        return new DumpFilter
        {
            Mark = wire.Mark, MarkMask = wire.MarkMask, Zone = wire.Zone,
            Status = (FlowStatus?)wire.Status, StatusMask = (FlowStatus)wire.StatusMask,
            Original = TupleFilter(wire.Original, "kernelFilter.original"), Reply = TupleFilter(wire.Reply, "kernelFilter.reply"),
        };
    }

    private static TupleFilter? TupleFilter(TupleWire? wire, string field) => wire is null ? null : new TupleFilter
    {
        Source = OptionalAddress(wire.Source, field + ".source"),
        Destination = OptionalAddress(wire.Destination, field + ".destination"),
        Protocol = (IPProtocol?)wire.Protocol,
        SourcePort = wire.SourcePort, DestinationPort = wire.DestinationPort,
        IcmpType = wire.IcmpType, IcmpCode = wire.IcmpCode, IcmpId = wire.IcmpId,
    };

    private static NetAddress? OptionalAddress(string? text, string field)
    {
        if (text is null) return null;
        if (text.Length > 64 || !NetAddress.TryParse(text, out var address)) throw new AgentRequestException(field, "not an IP address");
        return address;
    }

    /// <summary>Flows to delete by key: capped, each with both addresses of one family and a protocol.</summary>
    public static IReadOnlyList<Flow> Flows(FlowKeyWire[]? wires)
    {
        var keys = Required(wires, "flows");
        if (keys.Length > AgentProtocol.MaxDeleteFlows) throw new AgentRequestException("flows", $"at most {AgentProtocol.MaxDeleteFlows} flows");
        var flows = new List<Flow>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            var field = $"flows[{i}]";
            var key = keys[i] ?? throw new AgentRequestException(field, "missing");
            var t = key.Original ?? throw new AgentRequestException(field + ".original", "missing");
            var source = OptionalAddress(t.Source, field + ".original.source") ?? throw new AgentRequestException(field + ".original.source", "missing");
            var destination = OptionalAddress(t.Destination, field + ".original.destination") ?? throw new AgentRequestException(field + ".original.destination", "missing");
            if (source.Family != destination.Family) throw new AgentRequestException(field + ".original", "addresses of two families");
            var tuple = new FlowTuple
            {
                Source = source, Destination = destination,
                Protocol = (IPProtocol)(t.Protocol ?? throw new AgentRequestException(field + ".original.protocol", "missing")),
                SourcePort = t.SourcePort ?? 0, DestinationPort = t.DestinationPort ?? 0,
                IcmpType = t.IcmpType ?? 0, IcmpCode = t.IcmpCode ?? 0, IcmpId = t.IcmpId ?? 0,
            };
            var flow = new Flow { Family = source.Family, Original = tuple, Zone = key.Zone };
            if (key.Id is { } id)
            {
                flow.Id = id;
                flow.Present |= FlowFields.Id;
            }
            flows.Add(flow);
        }
        return flows;
    }

    public static IReadOnlyList<PersistedSysctl> PersistedSysctls(PersistedSysctlWire[]? wires)
    {
        var lines = Required(wires, "sysctls");
        if (lines.Length > AgentProtocol.MaxPersistedLines) throw new AgentRequestException("sysctls", $"at most {AgentProtocol.MaxPersistedLines} lines");
        return lines.Select((w, i) =>
        {
            if (w is null) throw new AgentRequestException($"sysctls[{i}]", "missing");
            return new PersistedSysctl(ManagedKey(w.Key, $"sysctls[{i}].key"), SysctlValue(w.Value, $"sysctls[{i}].value"), w.SkipWhenMissing);
        }).ToList();
    }

    /// <summary>The longest drop capture the agent runs (it holds one connection and a tracefs instance meanwhile).</summary>
    public const int MaxCaptureSeconds = NatGateway.Core.Doctor.DropCaptureService.MaxSeconds;

    /// <summary>A real interface name (no wildcard), by the rules rules use (<see cref="NatGateway.Nat.InterfaceName"/>).</summary>
    public static string Interface(string? name, string field = "interface")
    {
        var n = Required(name, field);
        if (n.Contains('*') || NatGateway.Nat.InterfaceName.Problem(n) is not null) throw new AgentRequestException(field, "not an interface name");
        return n;
    }

    /// <summary>A cluster configuration: every nested part present, then the one validator the web side ran too
    /// (<see cref="NatGateway.Core.Cluster.ClusterConfigValidator"/>: names, interfaces, addresses, VRID, priority, advert
    /// interval), so no value reaches keepalived.conf or conntrackd.conf unchecked.</summary>
    public static NatGateway.Core.Cluster.ClusterConfig Cluster(NatGateway.Core.Cluster.ClusterConfig? config)
    {
        var c = Required(config, "cluster");
        if (!c.Enabled) return c;
        var local = Required(c.Local, "cluster.local");
        Required(local.SyncAddress, "cluster.local.syncAddress");
        Required(local.SyncAddress.Address, "cluster.local.syncAddress.address");
        var peer = Required(c.Peer, "cluster.peer");
        Required(peer.SyncAddress, "cluster.peer.syncAddress");
        var addresses = Required(c.VirtualAddresses, "cluster.virtualAddresses");
        for (var i = 0; i < addresses.Count; i++)
        {
            var v = Required(addresses[i], $"cluster.virtualAddresses[{i}]");
            Required(Required(v.Address, $"cluster.virtualAddresses[{i}].address").Address, $"cluster.virtualAddresses[{i}].address");
        }
        if (NatGateway.Core.Cluster.ClusterConfigValidator.Validate(c) is { Count: > 0 } problems)
        {
            var (field, messages) = problems.First();
            throw new AgentRequestException("cluster." + field, messages[0]);
        }
        return c;
    }

    /// <summary>The states keepalived's notify reports; Unknown and Stopped are the services' own, never notified.</summary>
    public static NatGateway.Core.Cluster.VrrpState NotifiedState(NatGateway.Core.Cluster.VrrpState? state)
    {
        var s = Required(state, "vrrpState");
        if (s is not (NatGateway.Core.Cluster.VrrpState.Primary or NatGateway.Core.Cluster.VrrpState.Backup or NatGateway.Core.Cluster.VrrpState.Fault))
            throw new AgentRequestException("vrrpState", "keepalived notifies primary, backup or fault");
        return s;
    }

    /// <summary>A reason shown on the Cluster page: 1..200 characters, no control characters.</summary>
    public static string Reason(string? reason)
    {
        var r = Required(reason, "reason");
        if (r.Length is 0 or > 200 || r.Any(char.IsControl)) throw new AgentRequestException("reason", "a reason is 1 to 200 characters without control characters");
        return r;
    }

    public static TimeSpan CaptureDuration(long? milliseconds, string field = "durationMilliseconds")
    {
        var ms = Required(milliseconds, field);
        if (ms is < 100 or > MaxCaptureSeconds * 1000L) throw new AgentRequestException(field, $"a capture lasts 0.1 to {MaxCaptureSeconds} seconds");
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>A live trace's probe: every field present, addresses of the probe's family, ports in range, a real
    /// interface name (<see cref="TraceLimits.ProbeProblem"/>, the check the in-process tracer makes too).</summary>
    public static NatGateway.Core.Tracing.PacketProbe Probe(ProbeWire? wire)
    {
        var w = Required(wire, "probe");
        var family = Required(w.Family, "probe.family");
        var protocol = Required(w.Protocol, "probe.protocol");
        var source = Address(w.Source, "probe.source");
        var destination = Address(w.Destination, "probe.destination");
        var probe = new NatGateway.Core.Tracing.PacketProbe(family, protocol, source, destination, Required(w.SourcePort, "probe.sourcePort"),
            Required(w.DestinationPort, "probe.destinationPort"), Required(w.InInterface, "probe.inInterface"));
        if (TraceLimits.ProbeProblem(probe) is { } problem) throw new AgentRequestException("probe." + problem.Field, problem.Message);
        return probe;
    }

    private static System.Net.IPAddress Address(string? text, string field)
    {
        var t = Required(text, field);
        if (t.Length > 64 || !System.Net.IPAddress.TryParse(t, out var address) || t.Contains('%')) throw new AgentRequestException(field, "not an IP address");
        return address;
    }

    public static TimeSpan TraceWindow(long? milliseconds, string field = "durationMilliseconds")
    {
        var ms = Required(milliseconds, field);
        if (ms is < 100 || ms > (long)TraceLimits.MaxWindow.TotalMilliseconds)
            throw new AgentRequestException(field, $"a trace lasts 0.1 to {TraceLimits.MaxWindow.TotalSeconds:0} seconds");
        return TimeSpan.FromMilliseconds(ms);
    }

    public static int TracePackets(int? maxPackets, string field = "maxPackets")
    {
        var n = Required(maxPackets, field);
        if (TraceLimits.PacketsProblem(n) is { } problem) throw new AgentRequestException(field, problem);
        return n;
    }

    public static long Buckets(long? buckets)
    {
        var b = Required(buckets, "buckets");
        if (b is < 1 or > 1L << 30) throw new AgentRequestException("buckets", "must be between 1 and 2^30");
        return b;
    }
}
