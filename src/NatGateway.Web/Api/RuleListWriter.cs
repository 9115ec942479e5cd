using System.Text.Json;
using NatGateway.Core.Paging;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Web.Api;

/// <summary>
/// Writes rules in the REST shape (the rule's own JSON with packets, bytes and warnings beside it) straight to the
/// response: each rule is written once by <see cref="NatRuleJson.WriteProperties"/>, and a whole list goes out in chunks
/// as it is written, so 10,000 rules never sit in memory as one string.
/// </summary>
public static class RuleListWriter
{
    /// <summary>Bytes buffered before they are sent on: big enough for few syscalls, small enough to stream.</summary>
    private const int FlushThreshold = 64 * 1024;

    /// <summary>The whole list as a JSON array, streamed.</summary>
    public static IResult List(IReadOnlyList<NatRule> rules, IReadOnlyDictionary<Guid, RuleCounters> counters) =>
        new Streamed(async (w, flush) =>
        {
            w.WriteStartArray();
            foreach (var rule in rules)
            {
                WriteRule(w, rule, counters.GetValueOrDefault(rule.Id), []);
                if (w.BytesPending > FlushThreshold) await flush();
            }
            w.WriteEndArray();
        });

    /// <summary>One page: <c>{items, page, pageSize, totalCount, pageCount}</c>.</summary>
    public static IResult Page(PagedList<NatRule> page, IReadOnlyDictionary<Guid, RuleCounters> counters) =>
        new Streamed((w, _) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var rule in page.Items) WriteRule(w, rule, counters.GetValueOrDefault(rule.Id), []);
            w.WriteEndArray();
            w.WriteNumber("page", page.Page);
            w.WriteNumber("pageSize", page.PageSize);
            w.WriteNumber("totalCount", page.TotalCount);
            w.WriteNumber("pageCount", page.PageCount);
            w.WriteEndObject();
            return Task.CompletedTask;
        });

    /// <summary>One rule (GET/POST/PUT answers).</summary>
    public static IResult Rule(NatRule rule, RuleCounters? counters, IEnumerable<ValidationIssue> warnings, int statusCode = StatusCodes.Status200OK) =>
        new Streamed((w, _) =>
        {
            WriteRule(w, rule, counters, warnings);
            return Task.CompletedTask;
        }, statusCode);

    /// <summary>The rule's own JSON, plus counters and warnings beside it (not inside the rule's shape).</summary>
    public static void WriteRule(Utf8JsonWriter w, NatRule rule, RuleCounters? counters, IEnumerable<ValidationIssue> warnings)
    {
        w.WriteStartObject();
        NatRuleJson.WriteProperties(w, rule);
        w.WriteNumber("packets", counters?.Packets ?? 0);
        w.WriteNumber("bytes", counters?.Bytes ?? 0);
        if (rule is LoadBalanceRule balance) WriteBackendCounters(w, balance, counters);
        w.WriteStartArray("warnings");
        foreach (var warning in warnings)
        {
            w.WriteStartObject();
            w.WriteString("field", warning.Field);
            w.WriteString("message", warning.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>"backendCounters": [{"backend": 0, "packets": 97, "bytes": 5820}, …]</c>: one entry per backend, index i beside the
    /// rule's <c>backends[i]</c> (0 before the first apply). Beside the rule's shape, like packets and bytes, so a rule read
    /// back can still be written as it is.
    /// </summary>
    public static void WriteBackendCounters(Utf8JsonWriter w, LoadBalanceRule rule, RuleCounters? counters)
    {
        w.WriteStartArray("backendCounters");
        for (var i = 0; i < rule.Backends.Count; i++)
        {
            var c = counters?.Backends.FirstOrDefault(b => b.Index == i);
            w.WriteStartObject();
            w.WriteNumber("backend", i);
            w.WriteNumber("packets", c?.Packets ?? 0);
            w.WriteNumber("bytes", c?.Bytes ?? 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>JSON written by <paramref name="write"/> into the response's pipe; <c>flush</c> sends what is buffered.</summary>
    private sealed class Streamed(Func<Utf8JsonWriter, Func<Task>, Task> write, int statusCode = StatusCodes.Status200OK) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = statusCode;
            http.Response.ContentType = "application/json; charset=utf-8";
            var pipe = http.Response.BodyWriter;
            await using var w = new Utf8JsonWriter(pipe);
            await write(w, async () =>
            {
                w.Flush();
                await pipe.FlushAsync(http.RequestAborted);
            });
            w.Flush();
            await pipe.FlushAsync(http.RequestAborted);
        }
    }
}
