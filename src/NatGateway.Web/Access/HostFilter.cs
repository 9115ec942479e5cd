using System.Net;
using System.Net.NetworkInformation;
using NatGateway.Web.Hosting;

namespace NatGateway.Web.Access;

/// <summary>
/// Which <c>Host</c> headers natgw answers. A page on attacker.example whose name is re-pointed at natgw's address
/// (DNS rebinding) reaches natgw as same-origin; refusing every Host natgw does not own defeats that.
/// Default: the addresses natgw listens on (a wildcard listen means every address of the machine's interfaces,
/// looked up again when an unknown address arrives, so a new DHCP lease works), <c>localhost</c> for loopback listens,
/// and the machine's host names. <c>--allowed-hosts a,b,c</c> replaces that list; <c>*</c> turns the check off.
/// </summary>
public sealed class AllowedHosts
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<IPAddress> _addresses = [];
    private readonly bool _anyInterfaceAddress;

    public bool AllowsAny { get; }

    private AllowedHosts(bool allowsAny, bool anyInterfaceAddress)
    {
        AllowsAny = allowsAny;
        _anyInterfaceAddress = anyInterfaceAddress;
    }

    public static AllowedHosts From(ServeOptions options)
    {
        if (options.AllowedHosts is { } configured)
        {
            var list = configured.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Contains("*")) return new AllowedHosts(allowsAny: true, anyInterfaceAddress: false);
            var explicitHosts = new AllowedHosts(false, false);
            foreach (var host in list) explicitHosts.Add(host);
            return explicitHosts;
        }

        var listens = options.Urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(BindingAddress.Parse).ToList();
        var wildcard = listens.Any(l => IsWildcard(l.Host));
        var hosts = new AllowedHosts(false, wildcard);
        foreach (var listen in listens)
        {
            if (IsWildcard(listen.Host)) continue;
            hosts.Add(listen.Host);
            if (string.Equals(listen.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(listen.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
            {
                hosts.Add("localhost");
                if (string.Equals(listen.Host, "localhost", StringComparison.OrdinalIgnoreCase))
                {
                    hosts.Add("127.0.0.1");
                    hosts.Add("::1");
                }
            }
        }
        if (wildcard)
        {
            hosts.Add("localhost");
            foreach (var address in InterfaceAddresses()) hosts._addresses.Add(address);
        }
        var machine = Dns.GetHostName();
        hosts.Add(machine);
        var domain = IPGlobalProperties.GetIPGlobalProperties().DomainName;
        if (!string.IsNullOrEmpty(domain) && domain != "(none)") hosts.Add($"{machine}.{domain}");
        return hosts;
    }

    private static bool IsWildcard(string host) => host is "*" or "+" or "0.0.0.0" or "[::]" or "::";

    private void Add(string host)
    {
        var trimmed = host.Trim().TrimEnd('.');
        if (IPAddress.TryParse(trimmed.Trim('[', ']'), out var address)) _addresses.Add(Normalize(address));
        else if (trimmed.Length > 0) _names.Add(trimmed);
    }

    /// <summary>True when <paramref name="host"/> (the Host header's host part, without the port) is one of natgw's.</summary>
    public bool Allows(string host)
    {
        if (AllowsAny) return true;
        var trimmed = host.Trim().TrimEnd('.');
        if (trimmed.Length == 0) return false;
        if (!IPAddress.TryParse(trimmed.Trim('[', ']'), out var address)) return _names.Contains(trimmed);
        address = Normalize(address);
        lock (_addresses)
        {
            if (_addresses.Contains(address)) return true;
            if (!_anyInterfaceAddress) return false;
            // A wildcard listen: the machine may have gained an address since start.
            foreach (var current in InterfaceAddresses()) _addresses.Add(current);
            return _addresses.Contains(address);
        }
    }

    public override string ToString() =>
        AllowsAny ? "*" : string.Join(", ", _names.Concat(_addresses.Select(a => a.ToString())).Order()) + (_anyInterfaceAddress ? " (and every interface address)" : "");

    private static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0) return new IPAddress(address.GetAddressBytes()); // fe80::1%eth0 → fe80::1
        return address;
    }

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            yield return Normalize(unicast.Address);
    }
}

/// <summary>Answers 400 to a request whose Host is not natgw's (<see cref="AllowedHosts"/>); first in the pipeline.</summary>
public sealed class HostFilter(RequestDelegate next, AllowedHosts hosts, ILogger<HostFilter> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (hosts.Allows(context.Request.Host.Host))
        {
            await next(context);
            return;
        }
        log.LogWarning("Refused a request for host {Host} from {Address}: not one of natgw's hosts (--allowed-hosts)",
            context.Request.Host.Value, context.Connection.RemoteIpAddress);
        await Results.Problem(title: "Unknown host",
                detail: "This host name is not one of natgw's (see natgw serve --allowed-hosts).",
                statusCode: StatusCodes.Status400BadRequest)
            .ExecuteAsync(context);
    }
}
