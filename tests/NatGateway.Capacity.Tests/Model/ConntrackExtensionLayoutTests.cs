using NatGateway.Capacity.Model;
using Xunit;
using E = NatGateway.Capacity.Model.ConntrackExtensions;

namespace NatGateway.Capacity.Tests.Model;

public sealed class ConntrackExtensionLayoutTests
{
    [Theory]
    [InlineData(E.None, 0, 0)]                                  // ct->ext stays NULL: nothing allocated
    [InlineData(E.Ecache, 40, 128)]                             // 16 + 24, raised to NF_CT_EXT_PREALLOC
    [InlineData(E.Acct, 48, 128)]                               // 16 + 32
    [InlineData(E.Nat | E.Acct, 56, 128)]                       // masquerade + accounting
    [InlineData(E.Nat | E.Acct | E.Ecache | E.Tstamp | E.Labels | E.Timeout, 120, 128)]
    [InlineData(E.Helper | E.Acct | E.Ecache | E.Tstamp, 144, 144)] // 16 + 56 + 32 + 24 + 16
    [InlineData(E.Synproxy, 32, 128)]                           // 12 padded to 16
    public void Used_and_requested_bytes(E set, int used, int requested)
    {
        Assert.Equal(used, ConntrackExtensionLayout.UsedBytes(set));
        Assert.Equal(requested, ConntrackExtensionLayout.RequestedBytes(set));
    }

    [Fact]
    public void All_extensions_together_stay_below_the_u8_length_limit()
    {
        var all = Enum.GetValues<E>().Aggregate(E.None, (a, b) => a | b);
        // 16 + helper 56 + nat 8 + seqadj 24 + acct 32 + ecache 24 + tstamp 16 + timeout 8 + labels 16 + synproxy 16 + act_ct 8
        Assert.Equal(224, ConntrackExtensionLayout.UsedBytes(all));
        Assert.True(ConntrackExtensionLayout.UsedBytes(all) <= 255); // struct nf_ct_ext stores offsets in u8
    }

    [Fact]
    public void Members_lists_single_flags_in_kernel_order() =>
        Assert.Equal([E.Helper, E.Acct, E.Tstamp], ConntrackExtensionLayout.Members(E.Tstamp | E.Helper | E.Acct));

    [Fact]
    public void Struct_size_needs_a_single_extension() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ConntrackExtensionLayout.StructSize(E.Acct | E.Nat));
}
