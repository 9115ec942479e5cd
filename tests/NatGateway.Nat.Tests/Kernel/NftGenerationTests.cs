using NatGateway.Netlink.Netfilter;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

public sealed class NftGenerationTests
{
    [Fact]
    public void The_request_is_a_bare_getgen_for_every_family()
    {
        // nlmsghdr: len 20, type (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN = 0x0a10, flags NLM_F_REQUEST|NLM_F_ACK, seq 7, pid 0;
        // nfgenmsg: family AF_UNSPEC, version NFNETLINK_V0, res_id 0. nft's own mnl_genid_get() sends this without NLM_F_ACK;
        // the ACK here marks the end of the answer for NetlinkExchange.Run. The kernel test in ApplyTests reads it for real.
        Assert.Equal("14000000 100a0500 07000000 00000000 00000000".Replace(" ", ""),
            Convert.ToHexString(NftGeneration.Build(7)).ToLowerInvariant());
    }

    [Fact]
    public void The_answers_generation_id_is_read_big_endian_after_the_nfgenmsg()
    {
        // NFT_MSG_NEWGEN payload: nfgenmsg, NFTA_GEN_ID be32 0x12345678, NFTA_GEN_PROC_PID 42, NFTA_GEN_PROC_NAME "nft".
        var payload = Convert.FromHexString("00000000" + "0800010012345678" + "080002000000002a" + "080003006e667400");
        Assert.Equal(0x12345678u, NftGeneration.Parse(payload));
        Assert.Null(NftGeneration.Parse(Convert.FromHexString("00000000" + "080002000000002a")));
        Assert.Null(NftGeneration.Parse([0, 0]));
    }
}
