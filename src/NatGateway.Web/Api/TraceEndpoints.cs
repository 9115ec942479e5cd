using System.Globalization;
using System.Text.Json;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// POST /api/v1/trace: "what happens to this packet?" The static answer from the rules in force, always; with
/// <c>"liveSeconds": N</c> (1–60) also the live trace: the kernel's nftrace hops of matching packets for N seconds, in
/// every table. Operator: a live trace arms a rule in the kernel and runs one at a time.
/// </summary>
public static class TraceEndpoints
{
    /// <summary>A probe is a few hundred bytes; anything near this is not one.</summary>
    public const long BodyLimit = 4 << 10;

    public const string LiveSeconds = "liveSeconds";

    /// <summary>The request: <c>{"protocol":"tcp","source":"198.51.100.7","destination":"192.0.2.1","destinationPort":80,"inInterface":"wan0"}</c>.</summary>
    public sealed record TraceRequestBody(string? Family, string Protocol, string Source, string Destination, int? SourcePort, int DestinationPort,
        string InInterface, int? LiveSeconds);

    public static void MapTraceApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/trace", async (HttpContext http, IPacketTracer tracer, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (probe, live, errors) = Parse(body.Root);
            if (probe is null) return Results.ValidationProblem(errors, title: "The trace request is not valid");
            var answer = await tracer.ExplainAsync(probe, ct);
            TraceView.Live? liveView = null;
            if (live is { } seconds)
            {
                try
                {
                    liveView = TraceView.LiveOf(await tracer.TraceAsync(probe, TimeSpan.FromSeconds(seconds), ct), RuleNames(answer));
                }
                catch (TraceUnavailableException e) when (e.Refusal == TraceRefusal.Busy)
                {
                    return Results.Problem(title: "A live trace is running", detail: e.Message, statusCode: StatusCodes.Status409Conflict,
                        extensions: new Dictionary<string, object?> { ["reason"] = e.Message, ["static"] = TraceView.StaticOf(answer) });
                }
                catch (TraceUnavailableException e)
                {
                    return Results.Problem(title: "Live tracing is not available here", detail: e.Message, statusCode: StatusCodes.Status501NotImplemented,
                        extensions: new Dictionary<string, object?> { ["reason"] = e.Message, ["static"] = TraceView.StaticOf(answer) });
                }
                catch (KernelUnavailableException e)
                {
                    return Results.Problem(title: "Live tracing is not available here", detail: e.Reason, statusCode: StatusCodes.Status501NotImplemented,
                        extensions: new Dictionary<string, object?> { ["reason"] = e.Reason, ["static"] = TraceView.StaticOf(answer) });
                }
                AuditMiddleware.Note(http, $"live trace of {TraceView.ProbeText(probe)} for {seconds} s: {liveView.Packets.Count} packet(s)");
            }
            return Results.Json(new TraceView.Answer(TraceView.StaticOf(answer), liveView), TraceView.Json);
        }).RequireRole(Role.Operator).DisableAntiforgery().WithBodyLimit(BodyLimit)
            .WithSummary("Trace a packet: which rule matches first, the translation, rules skipped and why; optionally the live nftrace hops")
            .AcceptsJson<TraceRequestBody>().Produces<TraceView.Answer>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status501NotImplemented);
    }

    private static Dictionary<Guid, string> RuleNames(StaticTrace answer) =>
        answer.Steps.GroupBy(s => s.RuleId).ToDictionary(g => g.Key, g => g.First().RuleName);

    /// <summary>The body's fields, each a string (ports and seconds also as numbers); unknown fields are errors.</summary>
    internal static (PacketProbe? Probe, int? LiveSeconds, Dictionary<string, string[]> Errors) Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != LiveSeconds && !ProbeParser.Fields.Contains(property.Name))
            {
                errors[property.Name] = [$"is not a field of a trace request ({string.Join(", ", ProbeParser.Fields)}, {LiveSeconds})"];
                continue;
            }
            var numeric = property.Name is ProbeParser.SourcePort or ProbeParser.DestinationPort or LiveSeconds;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String: values[property.Name] = property.Value.GetString(); break;
                case JsonValueKind.Number when numeric: values[property.Name] = property.Value.GetRawText(); break;
                case JsonValueKind.Null: values[property.Name] = null; break;
                default: errors[property.Name] = [numeric ? "must be a whole number" : "must be a string"]; break;
            }
        }
        var (probe, probeErrors) = ProbeParser.Parse(new ProbeFields(values.GetValueOrDefault(ProbeParser.Family), values.GetValueOrDefault(ProbeParser.Protocol),
            values.GetValueOrDefault(ProbeParser.Source), values.GetValueOrDefault(ProbeParser.Destination), values.GetValueOrDefault(ProbeParser.SourcePort),
            values.GetValueOrDefault(ProbeParser.DestinationPort), values.GetValueOrDefault(ProbeParser.InInterface)));
        foreach (var (field, messages) in probeErrors) errors.TryAdd(field, messages);
        int? live = null;
        if (values.GetValueOrDefault(LiveSeconds) is { } text && !errors.ContainsKey(LiveSeconds))
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && seconds >= PacketTracer.MinLiveSeconds && seconds <= PacketTracer.MaxLiveSeconds) live = seconds;
            else errors[LiveSeconds] = [$"'{text}' is not {PacketTracer.MinLiveSeconds} to {PacketTracer.MaxLiveSeconds} seconds"];
        }
        return errors.Count > 0 ? (null, null, errors) : (probe, live, errors);
    }
}

/// <summary>The trace as JSON (API and <c>natgw trace --output json</c>): enums by name, addresses as text.</summary>
public static class TraceView
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public sealed record Answer(Static Static, Live? Live);

    public sealed record Probe(string Family, string Protocol, string Source, string Destination, int SourcePort, int DestinationPort, string InInterface);

    public sealed record Step(Guid RuleId, string RuleName, string Kind, TraceHook Hook, RuleStepOutcome Outcome, string Reason);

    public sealed record Static(Probe Probe, IReadOnlyList<Step> Steps, Guid? DestinationRuleId, Guid? SourceRuleId, string Destination,
        int DestinationPort, string? OutInterface, TraceDelivery Delivery, string? SourceTranslation, string Summary);

    public sealed record Hop(string Family, string Table, string Chain, TraceEventKind Kind, ulong? RuleHandle, string? RuleText, TraceVerdict Verdict,
        string? JumpTarget, bool OurTable, Guid? RuleId, string? RuleName);

    public sealed record Packet(uint TraceId, string? InInterface, string? OutInterface, IReadOnlyList<Hop> Hops);

    public sealed record Live(double WindowSeconds, bool Truncated, IReadOnlyList<Packet> Packets);

    public static Static StaticOf(StaticTrace t) => new(ProbeOf(t.Probe),
        t.Steps.Select(s => new Step(s.RuleId, s.RuleName, NatRuleJson.KindText(s.Kind), s.Hook, s.Outcome, s.Reason)).ToList(),
        t.DestinationRuleId, t.SourceRuleId, t.Destination.ToString(), t.DestinationPort, t.OutInterface, t.Delivery, t.SourceTranslation, t.Summary);

    public static Probe ProbeOf(PacketProbe p) => new(p.Family == NatFamily.Ipv6 ? "ipv6" : "ipv4", p.Protocol == ProbeProtocol.Udp ? "udp" : "tcp",
        p.Source.ToString(), p.Destination.ToString(), p.SourcePort, p.DestinationPort, p.InInterface);

    public static Live LiveOf(LiveTrace trace, IReadOnlyDictionary<Guid, string> names) => new(trace.Window.TotalSeconds, trace.Truncated,
        trace.Packets.Select(p => new Packet(p.TraceId, p.InInterface, p.OutInterface, p.Hops.Select(h => new Hop(h.Family, h.Table, h.Chain, h.Kind,
            h.RuleHandle, h.RuleText, h.Verdict, h.JumpTarget, h.OurTable, h.RuleId, h.RuleId is { } id ? names.GetValueOrDefault(id) : null)).ToList())).ToList());

    public static string ProbeText(PacketProbe p) =>
        $"{(p.Protocol == ProbeProtocol.Udp ? "udp" : "tcp")} {p.Source}{(p.SourcePort > 0 ? $":{p.SourcePort}" : "")} → {p.Destination}:{p.DestinationPort} on {p.InInterface}";
}
