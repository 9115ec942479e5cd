using NatGateway.Netlink.Netfilter;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>
/// The ct timeout objects the engine makes with its own netlink (libnftables 1.0.6's JSON parser drops their policy):
/// the exact bytes, and the kernel holding the same object as after nft's own text command.
/// </summary>
public sealed class CtTimeoutObjectTests
{
    private static readonly CtTimeoutObject UdpUnreplied1234 =
        new("udp_unrep1234", CtTimeoutProtocol.Udp, new Dictionary<ushort, uint> { [NftCtTimeoutObjects.UdpUnreplied] = 1234 });

    /// <summary>
    /// nft add table inet natgw_ct;
    /// nft add ct timeout inet natgw_ct udp_unrep1234 { protocol udp; l3proto inet; policy = { unreplied : 1234 } }
    /// as one batch, messages numbered from 7.
    /// </summary>
    [Fact]
    public void The_batch_is_the_golden_bytes()
    {
        string[] golden =
        [
            // NFNL_MSG_BATCH_BEGIN: len 20, type 0x0010, NLM_F_REQUEST, seq 7, pid 0; nfgenmsg AF_UNSPEC v0 res_id NFNL_SUBSYS_NFTABLES (be)
            "14000000 10000100 07000000 00000000 0000000a",
            // NFT_MSG_NEWTABLE (0x0a00): len 36, REQUEST|ACK|CREATE (0x0405), seq 8; nfgenmsg NFPROTO_INET
            "24000000 000a0504 08000000 00000000 01000000",
            //   NFTA_TABLE_NAME "natgw_ct\0"
            "0d000100 6e617467 775f6374 00000000",
            // NFT_MSG_NEWOBJ (0x0a12): len 96, REQUEST|ACK|CREATE, seq 9; nfgenmsg NFPROTO_INET
            "60000000 120a0504 09000000 00000000 01000000",
            //   NFTA_OBJ_TABLE "natgw_ct\0", NFTA_OBJ_NAME "udp_unrep1234\0", NFTA_OBJ_TYPE NFT_OBJECT_CT_TIMEOUT (be32 7)
            "0d000100 6e617467 775f6374 00000000 12000200 7564705f 756e7265 70313233 34000000 08000300 00000007",
            //   NFTA_OBJ_DATA (nested): NFTA_CT_TIMEOUT_L3PROTO be16 NFPROTO_INET, NFTA_CT_TIMEOUT_L4PROTO IPPROTO_UDP,
            //   NFTA_CT_TIMEOUT_DATA (nested): CTA_TIMEOUT_UDP_UNREPLIED be32 1234
            "20000480 06000100 00010000 05000200 11000000 0c000380 08000100 000004d2",
            // NFNL_MSG_BATCH_END: seq 10
            "14000000 11000100 0a000000 00000000 0000000a",
        ];
        var bytes = NftCtTimeoutObjects.Build(NftCtTimeoutObjects.FamilyInet, "natgw_ct", [UdpUnreplied1234], 7);
        Assert.Equal(string.Concat(golden).Replace(" ", ""), Convert.ToHexString(bytes).ToLowerInvariant());
    }

    /// <summary>
    /// In a throwaway namespace each: our netlink batch (twice: the second keeps the existing object) lists exactly as
    /// nft's text command does, policy included.
    /// </summary>
    [KernelFact]
    public void The_kernel_lists_our_object_as_it_lists_nfts_own()
    {
        var ours = ScratchNamespace.Run(() =>
        {
            using var backend = new LibNftablesBackend();
            backend.CreateCtTimeoutObjects("natgw_ct", [UdpUnreplied1234]);
            backend.CreateCtTimeoutObjects("natgw_ct", [UdpUnreplied1234]);
            return backend.Run("list table inet natgw_ct", json: false);
        });
        var nft = ProcessRunner.Run("unshare", ["-n", "sh", "-c",
            "nft add table inet natgw_ct && nft 'add ct timeout inet natgw_ct udp_unrep1234 { protocol udp; l3proto inet; policy = { unreplied : 1234 }; }' && nft list table inet natgw_ct"],
            TimeSpan.FromSeconds(20));
        Assert.True(nft.ExitCode == 0, nft.StandardError);
        Assert.Contains("policy = { unreplied : 1234 }", ours);
        Assert.Equal(nft.StandardOutput.Trim(), ours.Trim());
    }
}
