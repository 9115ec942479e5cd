using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using NatGateway.Core.Cluster.Sync;

namespace NatGateway.Web.Cluster;

/// <summary>
/// The sync listener: the one Kestrel endpoint on this node's sync address (<c>natgw serve --cluster-listen</c>). Requests
/// that arrive on it reach only the peer endpoints (<see cref="PeerSyncEndpoint"/>), never a page or the REST API, and
/// the peer endpoints answer on no other listener (elsewhere /peer/... is simply not mapped: 404).
/// </summary>
public sealed class PeerSyncListener(IClusterSyncSettingsProvider provider, IServer server)
{
    private int _port;

    /// <summary>The URL Kestrel binds for <paramref name="settings"/> (added to <c>--urls</c> at start).</summary>
    public static string Url(ClusterSyncSettings settings) => $"http://{settings.Listen}";

    public bool Matches(HttpContext http)
    {
        if (provider.Current is not { } settings || http.Connection.LocalIpAddress is not { } local) return false;
        if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
        return local.Equals(settings.Listen.Address) && http.Connection.LocalPort == Port(settings);
    }

    /// <summary>The bound port: the configured one, or for port 0 (tests) the one Kestrel picked for the sync address.</summary>
    private int Port(ClusterSyncSettings settings)
    {
        if (settings.Listen.Port != 0) return settings.Listen.Port;
        if (_port != 0) return _port;
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
                && ip.Equals(settings.Listen.Address))
                return _port = uri.Port;
        return -1;
    }

    /// <summary>The sync listener's actual endpoint (after start), for tests and the log.</summary>
    public IPEndPoint? BoundEndpoint => provider.Current is { } s && Port(s) is > 0 and var p ? new IPEndPoint(s.Listen.Address, p) : null;
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

    public static void MapPeerSync(this WebApplication app)
    {
        var listener = app.Services.GetRequiredService<PeerSyncListener>();
        app.MapWhen(listener.Matches, branch => branch.Run(HandleAsync));
    }

    private static async Task HandleAsync(HttpContext http)
    {
        var services = http.RequestServices;
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
