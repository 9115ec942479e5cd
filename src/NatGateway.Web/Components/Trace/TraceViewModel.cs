using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Web.Api;

namespace NatGateway.Web.Components.Trace;

/// <summary>
/// What the Trace page shows: the probe form (text as typed, field errors by the API's field names), the static answer's
/// rows per hook, and the live trace's packets with their hops (ours and foreign), or the refusal in words. bUnit tests
/// assert on it.
/// </summary>
public sealed class TraceViewModel(IPacketTracer tracer)
{
    public string Protocol { get; set; } = "tcp";
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public string SourcePort { get; set; } = "";
    public string DestinationPort { get; set; } = "";
    public string InInterface { get; set; } = "";
    public int LiveSeconds { get; set; } = 10;

    /// <summary>Field → message, keys as <see cref="ProbeParser.Fields"/>.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public StaticTrace? Answer { get; private set; }
    public TraceView.Live? Live { get; private set; }
    /// <summary>Why the live trace did not run ("live tracing is not built yet", "a live trace is already running ...").</summary>
    public string? LiveRefusal { get; private set; }
    public bool LiveRunning { get; private set; }

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    /// <summary>The rows of one hook, in evaluation order.</summary>
    public IReadOnlyList<RuleStep> StepsOf(TraceHook hook) => Answer?.Steps.Where(s => s.Hook == hook).ToList() ?? [];

    private PacketProbe? Parse()
    {
        var (probe, errors) = ProbeParser.Parse(new ProbeFields(null, Protocol, Source, Destination, SourcePort, DestinationPort, InInterface));
        Errors = errors;
        return probe;
    }

    /// <summary>Validates the form and answers statically; false (with <see cref="Errors"/>) when the probe is not valid.</summary>
    public async Task<bool> ExplainAsync(CancellationToken ct = default)
    {
        if (Parse() is not { } probe) { Answer = null; return false; }
        Answer = await tracer.ExplainAsync(probe, ct);
        return true;
    }

    /// <summary>The static answer again, then the live trace for <see cref="LiveSeconds"/>; a refusal is shown, not thrown.</summary>
    public async Task TraceLiveAsync(CancellationToken ct = default)
    {
        Live = null;
        LiveRefusal = null;
        if (LiveSeconds < PacketTracer.MinLiveSeconds || LiveSeconds > PacketTracer.MaxLiveSeconds)
        {
            LiveRefusal = $"Seconds must be {PacketTracer.MinLiveSeconds} to {PacketTracer.MaxLiveSeconds}.";
            return;
        }
        if (!await ExplainAsync(ct)) return;
        LiveRunning = true;
        try
        {
            var trace = await tracer.TraceAsync(Answer!.Probe, TimeSpan.FromSeconds(LiveSeconds), ct);
            Live = TraceView.LiveOf(trace, Answer.Steps.GroupBy(s => s.RuleId).ToDictionary(g => g.Key, g => g.First().RuleName));
        }
        catch (TraceUnavailableException e) when (e.Refusal == TraceRefusal.Busy) { LiveRefusal = $"Not started: {e.Message}."; }
        catch (TraceUnavailableException e) { LiveRefusal = $"Live tracing is not available here: {e.Message}."; }
        catch (KernelUnavailableException e) { LiveRefusal = $"The kernel agent is not answering: {e.Reason}."; }
        finally { LiveRunning = false; }
    }

    public static string OutcomeText(RuleStepOutcome outcome) => outcome switch
    {
        RuleStepOutcome.Matched => "Matched",
        RuleStepOutcome.NoMatch => "No match",
        RuleStepOutcome.Disabled => "Disabled",
        _ => "Not reached",
    };

    public static string DeliveryText(TraceDelivery delivery, string? outInterface) => delivery switch
    {
        TraceDelivery.Local => "delivered to the gateway itself",
        TraceDelivery.NoRoute => "no route: dropped",
        TraceDelivery.ForwardingDisabled => $"routed to {outInterface}, but forwarding is off: dropped",
        _ => $"forwarded out of {outInterface}",
    };
}
