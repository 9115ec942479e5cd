namespace NatGateway.Agent.Protocol;

/// <summary>Fixed facts of the agent protocol.</summary>
public static class AgentProtocol
{
    /// <summary>Bumped on every incompatible change; a mismatch is refused at Hello with both versions named.</summary>
    public const int Version = 1;

    /// <summary>Hard cap on one frame (type byte + payload). A 10,000-rule list in the REST shape is about 3 MB; a
    /// larger length prefix is answered with an error and the connection is closed (its bytes cannot be skipped safely).</summary>
    public const int MaxFrameBytes = 32 << 20;

    /// <summary>Longest filter text the agent parses (the web's own filter box is far shorter).</summary>
    public const int MaxFilterTextLength = 4096;

    /// <summary>Most flows one DeleteFlows request may name.</summary>
    public const int MaxDeleteFlows = 250_000;

    /// <summary>Most rules one rule list may hold.</summary>
    public const int MaxRules = 100_000;

    /// <summary>Most lines one persisted sysctl file may hold.</summary>
    public const int MaxPersistedLines = 256;

    /// <summary>The production socket (RuntimeDirectory of natgw-agent.service).</summary>
    public const string DefaultSocketPath = "/run/natgw/agent.sock";
}
