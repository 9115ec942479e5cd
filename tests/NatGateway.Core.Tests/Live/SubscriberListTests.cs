using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Live;
using Xunit;

namespace NatGateway.Core.Tests.Live;

public sealed class SubscriberListTests
{
    [Fact]
    public void A_subscriber_that_does_not_listen_is_neither_counted_nor_called_and_a_disposed_one_is_gone()
    {
        var list = new SubscriberList<int>(NullLogger.Instance);
        var listening = false;
        var quiet = new List<int>();
        var always = new List<int>();
        using var first = list.Add(quiet.Add, () => listening);
        var second = list.Add(always.Add);
        Assert.Equal(1, list.Count);

        list.Publish(1);
        listening = true;
        Assert.Equal(2, list.Count);
        list.Publish(2);
        second.Dispose();
        list.Publish(3);

        Assert.Equal([2, 3], quiet);
        Assert.Equal([1, 2], always);
        Assert.Equal(1, list.Count);
    }
}
