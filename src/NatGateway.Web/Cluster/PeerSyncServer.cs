using System.Net;
using Microsoft.AspNetCore.Http.Features;
using NatGateway.Core.Cluster.Sync;

namespace NatGateway.Web.Cluster;

/// <summary>
/// The sync listener: a Kestrel server of its own on this node's sync address and the pair's sync port (from the cluster
/// configuration in force, <see cref="IClusterSyncSettingsProvider"/>), serving the peer endpoints alone
/// (<see cref="PeerSyncEndpoint"/>) — never a page or the REST API, and the peer endpoints answer on no other listener
/// (on the management listener /peer/... is simply not mapped: 404). It follows the configuration: started when cluster
/// mode goes on, rebound when the sync address or port changes, stopped when cluster mode goes off. A bind that fails
/// (the sync address not yet on its interface) is reported on the Cluster page and retried every <see cref="RetryInterval"/>.
/// </summary>
public sealed class PeerSyncServer(
    IClusterSyncSettingsProvider provider,
    IServiceProvider services,
    PeerStatusTracker tracker,
    ILoggerFactory loggers) : BackgroundService
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggers.CreateLogger<PeerSyncServer>();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private WebApplication? _server;
    private volatile IPEndPoint? _bound;

    /// <summary>Where the sync listener listens now (null: not listening).</summary>
    public IPEndPoint? BoundEndpoint => _bound;

    private void Wake()
    {
        if (_wake.CurrentCount < 2) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        provider.Changed += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wanted = provider.Current?.Listen;
                var failed = false;
                if (!Equals(wanted, _bound) || (wanted is not null && _server is null))
                {
                    await StopServerAsync();
                    if (wanted is not null) failed = !await StartServerAsync(wanted, stoppingToken);
                }
                try { await _wake.WaitAsync(failed ? RetryInterval : Timeout.InfiniteTimeSpan, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        finally
        {
            provider.Changed -= Wake;
            await StopServerAsync();
        }
    }

    private async Task<bool> StartServerAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [], ApplicationName = "natgw-peer-sync", ContentRootPath = AppContext.BaseDirectory,
        });
        // natgw's own logging (one log), and nothing else of the slim host's configuration.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = PeerSyncEndpoint.MaxBodyBytes;
        });
        var server = builder.Build();
        server.Run(http => PeerSyncEndpoint.HandleAsync(http, services));
        try
        {
            await server.StartAsync(ct);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await server.DisposeAsync();
            var problem = $"the sync listener cannot listen on {endpoint}: {e.Message} (retried every {RetryInterval.TotalSeconds:0} s)";
            _logger.LogError("{Problem}", problem);
            tracker.Update(s => s with { ListenerError = problem });
            return false;
        }
        _server = server;
        _bound = endpoint;
        tracker.Update(s => s with { ListenerError = null });
        _logger.LogInformation("HA sync listener on {Endpoint}", endpoint);
        return true;
    }

    private async Task StopServerAsync()
    {
        if (_server is not { } server) return;
        _server = null;
        _bound = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await server.StopAsync(timeout.Token);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>
/// The peer endpoints, served only on the sync listener, outside the browser pipeline: no cookies, no antiforgery, no
/// Host filter (no browser talks to it); every request must carry a valid HMAC signature with the shared secret inside
/// the replay window (<see cref="PeerSignature"/>), and every answer is signed. Routes (<c>AccessMatrix.PeerRoutes</c>):
/// <c>GET /peer/v1/state</c> and <c>POST /peer/v1/revisions</c>.
/// </summary>
public static class PeerSyncEndpoint
{
    /// <summary>A replicated revision of 20,000 rules is ~6 MB of JSON; room to spare, still bounded.</summary>
    public const long MaxBodyBytes = 32L << 20;

    /// <summary>Answers one request on the sync listener with natgw's services (<paramref name="services"/>: the app's, not the listener's).</summary>
    public static async Task HandleAsync(HttpContext http, IServiceProvider services)
    {
        var settings = services.GetRequiredService<IClusterSyncSettingsProvider>().Current;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("NatGateway.Web.Cluster.PeerSync");
        if (settings is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var signature = services.GetRequiredService<PeerSignatureHolder>().For(settings);
        var request = http.Request;
        var path = request.Path.Value ?? "";
        var route = (request.Method, path) switch
        {
            ("GET", PeerClient.StatePath) => PeerRoute.State,
            ("POST", PeerClient.RevisionsPath) => PeerRoute.Revisions,
            _ => PeerRoute.None,
        };
        if (route == PeerRoute.None)
        {
            // Not a peer route: nothing else is served on the sync listener.
            await Problem(http, signature, null, StatusCodes.Status404NotFound, "not a peer endpoint");
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        if (request.ContentLength > MaxBodyBytes)
        {
            await Problem(http, signature, null, StatusCodes.Status413PayloadTooLarge, $"the body is over {MaxBodyBytes} bytes");
            return;
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, http.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            await Problem(http, signature, null, e.StatusCode, e.Message);
            return;
        }

        var nonce = request.Headers[PeerHeaders.Nonce].ToString();
        var failure = signature.VerifyRequest(request.Method, path + request.QueryString, request.Headers[PeerHeaders.Time],
            nonce, request.Headers[PeerHeaders.Signature], body);
        if (failure != PeerAuthFailure.None)
        {
            logger.LogWarning("peer request {Method} {Path} from {Remote} refused: {Failure}", request.Method, path, http.Connection.RemoteIpAddress, failure);
            // Unsigned: the caller proved nothing, and a signature would tell an attacker the key works for answers.
            await Problem(http, null, null, StatusCodes.Status401Unauthorized, $"peer authentication failed: {failure}");
            return;
        }

        var receiver = services.GetRequiredService<ReplicationReceiver>();
        if (route == PeerRoute.State)
        {
            await Json(http, signature, nonce, StatusCodes.Status200OK, await receiver.StateAsync(http.RequestAborted));
            return;
        }
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Problem(http, signature, nonce, StatusCodes.Status415UnsupportedMediaType, "the body must be application/json");
            return;
        }
        var (revision, errors) = ReplicatedRevision.Parse(body);
        if (revision is null)
        {
            await Json(http, signature, nonce, StatusCodes.Status400BadRequest, new { title = "The replicated revision is not valid", errors });
            return;
        }
        var peerName = services.GetRequiredService<NatGateway.Core.Cluster.IClusterPeerStatus>().Current.PeerName ?? settings.Peer.ToString();
        var result = await receiver.AcceptAsync(revision, peerName, http.RequestAborted);
        await Json(http, signature, nonce, result.Outcome is ReplicationOutcome.Applied or ReplicationOutcome.AlreadyPresent
            ? StatusCodes.Status200OK : StatusCodes.Status409Conflict, result);
    }

    private enum PeerRoute
    {
        None,
        State,
        Revisions,
    }

    private static Task Problem(HttpContext http, PeerSignature? signature, string? nonce, int status, string detail) =>
        Json(http, signature, nonce, status, new { title = "peer request refused", status, detail });

    /// <summary>Writes <paramref name="value"/> as the answer, signed over the request's nonce when the request was authentic.</summary>
    private static async Task Json<T>(HttpContext http, PeerSignature? signature, string? nonce, int status, T value)
    {
        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, PeerClient.Json);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        if (signature is not null && !string.IsNullOrEmpty(nonce))
            http.Response.Headers[PeerHeaders.Signature] = signature.Sign(PeerSignature.ResponseText(status, nonce, bytes));
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }
}

/// <summary>One <see cref="PeerSignature"/> (and its replay cache) per secret: a new secret starts a new cache.</summary>
public sealed class PeerSignatureHolder(TimeProvider clock)
{
    private (byte[] Secret, PeerSignature Signature)? _current;
    private readonly Lock _gate = new();

    public PeerSignature For(ClusterSyncSettings settings)
    {
        lock (_gate)
        {
            if (_current is { } c && c.Secret.AsSpan().SequenceEqual(settings.Secret)) return c.Signature;
            var signature = new PeerSignature(settings.Secret, clock);
            _current = (settings.Secret.ToArray(), signature);
            return signature;
        }
    }
}
