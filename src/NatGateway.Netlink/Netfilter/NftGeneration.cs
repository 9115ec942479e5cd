namespace NatGateway.Netlink.Netfilter;

/// <summary>
/// The nf_tables ruleset generation of a network namespace (NFT_MSG_GETGEN; <c>nft monitor</c> prints it as "new
/// generation"). Every committed transaction, by anyone, moves it on (nf_tables_commit() increments nft_net->base_seq,
/// and nf_tables_getgen() answers with it as NFTA_GEN_ID), so two equal readings mean no ruleset change in between.
/// </summary>
public static class NftGeneration
{
    /// <summary>enum nf_tables_msg_types: NFT_MSG_NEWGEN (the answer), NFT_MSG_GETGEN.</summary>
    public const byte NewGeneration = 15, GetGeneration = 16;
    /// <summary>enum nft_gen_attributes: NFTA_GEN_ID (be32).</summary>
    public const ushort GenerationId = 1;

    /// <summary>The request (<c>nfgenmsg</c> family AF_UNSPEC) numbered <paramref name="sequence"/>.</summary>
    public static byte[] Build(uint sequence)
    {
        var w = new AttributeWriter(64);
        w.BeginNetfilterMessage(NetfilterSubsystem.Nftables, GetGeneration, NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack, sequence, 0);
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Reads the generation on <paramref name="socket"/> (a NETLINK_NETFILTER socket: its namespace's ruleset).</summary>
    public static uint Read(INetlinkSocket socket)
    {
        var sequence = socket.NextSequence();
        foreach (var message in NetlinkExchange.Run(socket, Build(sequence), sequence, dump: false, "read the nf_tables generation"))
            if ((message.Type & 0xff) == NewGeneration && Parse(message.Payload) is { } id)
                return id;
        throw new NetlinkParseException("NFT_MSG_NEWGEN without NFTA_GEN_ID");
    }

    /// <summary>NFTA_GEN_ID of a NFT_MSG_NEWGEN payload (after the 4-byte nfgenmsg header).</summary>
    public static uint? Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4) return null;
        var reader = new AttributeReader(payload[4..]);
        while (reader.Next())
            if (reader.Type == GenerationId)
                return reader.UInt32BigEndian();
        return null;
    }
}
