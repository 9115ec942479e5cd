using System.Text.Json;
using NatGateway.Conntrack.Mirror.Query;
using Xunit;

namespace NatGateway.Conntrack.Mirror.Tests.Query;

public sealed class FilterJsonTests
{
    private sealed record Request(FlowFilter Filter, SortSpec Sort);

    [Fact]
    public void Filters_and_sort_orders_travel_in_json_as_canonical_text()
    {
        var request = new Request(FlowFilter.Parse("PROTO TCP dport=443"), SortSpec.Parse("-bytes"));
        var json = JsonSerializer.Serialize(request);
        Assert.Equal("""{"Filter":"proto tcp and dport 443","Sort":"bytes:desc"}""", json);
        var back = JsonSerializer.Deserialize<Request>(json)!;
        Assert.Equal(request.Filter, back.Filter);
        Assert.Equal(request.Sort, back.Sort);
    }

    [Fact]
    public void A_bad_filter_in_json_is_a_json_error_with_the_parser_message()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Request>("""{"Filter":"dport 70000","Sort":""}"""));
        Assert.Contains("port 70000 out of range 0-65535 at column 7", error.Message);
    }

    [Fact]
    public void The_help_text_names_every_field_and_sort_column()
    {
        foreach (var field in FilterFieldNames.CanonicalNames.Where(f => f != "text"))
            Assert.Contains(field, FilterSyntax.Help);
        foreach (var column in SortSpec.ColumnNames)
            Assert.Contains(column, FilterSyntax.Help);
    }
}
