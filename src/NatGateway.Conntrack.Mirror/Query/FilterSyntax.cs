namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>A short reference of the filter and sort languages, for CLI help, the API description and the page's help popover.</summary>
public static class FilterSyntax
{
    public const string Help = """
        Filter: terms joined by 'and' (or just spaces), 'or', 'not'/'!', and parentheses.
          family ipv4|ipv6                    proto tcp|udp|icmp|icmpv6|sctp|gre|udplite|dccp|NUMBER
          src|dst ADDR[/LEN]                  original direction (conntrack -s / -d)
          reply-src|reply-dst ADDR[/LEN]      reply direction (conntrack --reply-src / --reply-dst)
          any ADDR[/LEN]                      any address of either direction
          sport|dport PORT[-PORT]             original ports; reply-sport|reply-dport; port = any of them
          state established|syn_sent|...      TCP state (conntrack --state)
          status assured|unreplied|seen-reply|snat|dnat|nat|confirmed|dying|offload|...
          mark VALUE[/MASK]   zone N   id N
          "free text" or a bare word          substring of the conntrack -L -o extended,id line
          field=value is accepted too (src=10.0.0.1 dport=443).
        Examples:
          proto tcp and src 10.0.0.0/8 and dport 443 and state established
          status snat or status dnat
          not status assured and mark 0x10/0xff
        Sort: column[:asc|desc][,column...], e.g. bytes:desc,src. Columns: family proto src dst sport dport
          reply-src reply-dst reply-sport reply-dport state status timeout mark zone id packets bytes start.
        """;
}
