using NatGateway.Conntrack.Mirror.Query;
using Xunit;

namespace NatGateway.Conntrack.Mirror.Tests.Query;

public sealed class SortSpecTests
{
    [Theory]
    [InlineData("bytes:desc,src", "bytes:desc,src")]
    [InlineData("sort=src:asc,dport:desc", "src,dport:desc")]
    [InlineData("-timeout", "timeout:desc")]
    [InlineData("reply_src, protocol", "reply-src,proto")]
    [InlineData("", "")]
    [InlineData("family,proto,src,dst,sport,dport,reply-src,reply-dst,reply-sport,reply-dport,state,status,timeout,mark,zone,id,packets,bytes,start",
        "family,proto,src,dst,sport,dport,reply-src,reply-dst,reply-sport,reply-dport,state,status,timeout,mark,zone,id,packets,bytes,start")]
    public void Sort_specs_parse_to_canonical_text(string text, string canonical)
    {
        var spec = SortSpec.Parse(text);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, SortSpec.Parse(canonical));
    }

    [Theory]
    [InlineData("bytes:down", "bad sort direction 'down' at column 7 (asc or desc)", 7)]
    [InlineData("src,colour", "unknown sort column 'colour' at column 5; columns are family, proto, src, dst, sport, dport, reply-src, reply-dst, reply-sport, reply-dport, state, status, timeout, mark, zone, id, packets, bytes, start", 5)]
    [InlineData("src,,dst", "empty sort column at column 5", 5)]
    [InlineData("src,src:desc", "sort column 'src' given twice at column 5", 5)]
    public void Bad_sort_specs_say_where(string text, string message, int column)
    {
        var error = Assert.Throws<FilterParseException>(() => SortSpec.Parse(text));
        Assert.Equal(message, error.Message);
        Assert.Equal(column, error.Column);
    }
}
