using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Rules;
using NatGateway.Netlink;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/conntrack: pages of the live mirror (<c>conntrack -L</c> with the shared filter language, sorted and paged
/// server-side), the mirror's state, <c>conntrack -C/-S</c> with rates, and delete by filter (<c>conntrack -D</c>).
/// </summary>
public static class ConntrackEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    /// <summary>How long a first request waits for the mirror's first dump before answering 503.</summary>
    public static TimeSpan FirstSyncTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static void MapConntrackApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/conntrack").DisableAntiforgery();

        // GET /api/v1/conntrack?filter=proto tcp and dport 443&sort=bytes:desc&page=1&pageSize=50
        group.MapGet("", async (string? filter, string? sort, int? page, int? pageSize,
            ConntrackMirrorService mirror, NatRulesService rules, RuleNameCache names, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            var extensions = new Dictionary<string, object?>();
            if (!FlowFilter.TryParse(filter, out var parsedFilter, out var filterError))
            {
                errors["filter"] = [filterError!.Message];
                extensions["column"] = filterError.Column;
            }
            if (!SortSpec.TryParse(sort, out var parsedSort, out var sortError))
            {
                errors["sort"] = [sortError!.Message];
                extensions.TryAdd("column", sortError.Column);
            }
            var size = pageSize ?? DefaultPageSize;
            if (size is < 1 or > MaxPageSize) errors["pageSize"] = [$"must be between 1 and {MaxPageSize}"];
            var number = page ?? 1;
            if (number < 1) errors["page"] = ["must be 1 or more (pages are numbered from 1)"];
            if (errors.Count > 0)
                return Results.ValidationProblem(errors, title: "The conntrack query is not valid", extensions: extensions);

            var unavailable = await StartMirrorAsync(mirror, ct);
            if (unavailable is not null) return unavailable;
            var result = mirror.Query(parsedFilter, parsedSort, number - 1, size);
            var ruleNames = await names.GetAsync(ct);
            return Results.Ok(new
            {
                items = result.Rows.Select(f => Row(f, rules, ruleNames)).ToList(),
                totalMatching = result.TotalMatching,
                totalEntries = result.TotalEntries,
                page = number,
                pageSize = size,
                pageCount = result.PageCount,
                filter = result.Filter.ToString(),
                sort = result.Sort.ToString(),
                version = result.Version,
            });
        })
            .WithSummary("A page of conntrack entries (filter, sort, page, pageSize)").Produces<ConntrackPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // GET /api/v1/conntrack/stats: conntrack -C and -S, rates per second since the previous sample, count history.
        group.MapGet("/stats", (ConntrackMirrorService mirror) =>
        {
            var s = mirror.CurrentStats.Time == DateTimeOffset.MinValue ? mirror.SampleStats() : mirror.CurrentStats;
            return Results.Ok(new
            {
                time = s.Time,
                entries = s.Entries,
                max = s.Max,
                fill = s.Fill,
                perCpu = s.Counters,
                total = ConntrackStatsMath.Sum(s.Counters),
                rates = s.Rates,
                totalRates = s.TotalRates,
                history = s.History.Select(p => new { time = p.Time, entries = p.Entries }),
                error = s.Error,
            });
        })
            .WithSummary("Entry count, limit and per-CPU counters with rates (conntrack -C, -S)").Produces<ConntrackStatsView>();

        // GET /api/v1/conntrack/status: the mirror's state (Stopped until first used).
        group.MapGet("/status", (ConntrackMirrorService mirror) => Results.Ok(StatusView(mirror)))
            .WithSummary("The conntrack mirror's state").Produces<MirrorStatusView>();

        // DELETE /api/v1/conntrack?filter=src 10.0.0.0/8 (all=true to allow an empty filter): conntrack -D, returns the count removed.
        group.MapDelete("", (string? filter, bool? all, ConntrackService conntrack, ConntrackMirrorService mirror) =>
        {
            if (!FlowFilter.TryParse(filter, out var parsed, out var error))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["filter"] = [error!.Message] },
                    title: "The filter is not valid; nothing was deleted", extensions: new Dictionary<string, object?> { ["column"] = error.Column });
            if (parsed.IsAll && all != true)
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["filter"] = ["an empty filter would delete every conntrack entry; give a filter or all=true"],
                }, title: "Refusing to delete every entry");
            try
            {
                var deleted = conntrack.Delete(parsed, all == true);
                // The next query must not show them: drop them from the mirror now (DESTROY events come later, and not at
                // all for entries made before any listener existed: the resync this asks for repairs those).
                if (deleted > 0) mirror.ForgetDeleted(parsed);
                return Results.Ok(new { deleted, filter = parsed.ToString() });
            }
            catch (NetlinkException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError, title: "The kernel refused the delete");
            }
        }).AddEndpointFilter(JsonBody.NoBodyUnlessJson).RequireRole(Role.Operator)
            .WithSummary("Delete the entries a filter matches (conntrack -D)").Produces<ConntrackDeleteOutcome>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status500InternalServerError);
    }

    internal static object StatusView(ConntrackMirrorService mirror)
    {
        var s = mirror.Status;
        return new
        {
            state = s.State.ToString().ToLowerInvariant(),
            entries = s.Entries,
            lastResync = s.LastResync,
            resyncCount = s.ResyncCount,
            eventsApplied = s.EventsApplied,
            eventsPerSecond = s.EventsPerSecond,
            eventsLostCount = s.EventsLostCount,
            expiredResyncCount = s.ExpiredResyncCount,
            lagMilliseconds = s.Lag.TotalMilliseconds,
            lastResyncMilliseconds = s.LastResyncDuration.TotalMilliseconds,
            lastError = s.LastError,
        };
    }

    private static async Task<IResult?> StartMirrorAsync(ConntrackMirrorService mirror, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(FirstSyncTimeout);
        try
        {
            await mirror.EnsureStartedAsync(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Results.Problem("the conntrack mirror has not finished its first dump yet; retry shortly",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Conntrack mirror synchronizing");
        }
        catch (NetlinkException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Conntrack is not available");
        }
    }

    private static object Row(Flow flow, NatRulesService rules, IReadOnlyDictionary<int, string> ruleNames)
    {
        var view = FlowView.From(in flow, rules.CompileOptions.MarkIdOf);
        return new
        {
            view.Id, view.Family, view.Proto, view.ProtoNumber, view.State, view.Timeout, view.Original, view.Reply, view.Status,
            view.Mark, view.Zone, view.Use, view.Packets, view.Bytes, view.Start, view.Nat, view.RuleMarkId,
            rule = view.RuleMarkId is { } id ? ruleNames.GetValueOrDefault(id) : null,
            text = FlowFormatter.ToExtendedText(in flow),
        };
    }
}
