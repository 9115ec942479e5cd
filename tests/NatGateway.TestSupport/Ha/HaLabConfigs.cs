using System.Globalization;
using System.Text;
using NatGateway.Core.Cluster;

namespace NatGateway.TestSupport.Ha;

/// <summary>Where one lab gateway's daemon files live (a directory of its own: unique pid, lock and socket paths).</summary>
public sealed record HaNodePaths(string Directory)
{
    public string KeepalivedConf => Path.Combine(Directory, "keepalived.conf");
    public string KeepalivedPid => Path.Combine(Directory, "keepalived.pid");
    public string VrrpPid => Path.Combine(Directory, "vrrp.pid");
    public string CheckersPid => Path.Combine(Directory, "checkers.pid");
    public string ConntrackdConf => Path.Combine(Directory, "conntrackd.conf");
    public string ConntrackdLock => Path.Combine(Directory, "conntrackd.lock");
    public string ConntrackdSocket => Path.Combine(Directory, "conntrackd.ctl");
    public string ConntrackdLog => Path.Combine(Directory, "conntrackd.log");
    public string NotifyScript => Path.Combine(Directory, "notify.sh");
    /// <summary>One line per notification: "EPOCH.NANOS primary|backup|fault begin|done".</summary>
    public string Transitions => Path.Combine(Directory, "transitions");
}

/// <summary>
/// The lab's own keepalived/conntrackd configurations, rendered from the typed <see cref="ClusterConfig"/> the product
/// uses. Temporary: ha-engine's <c>KeepalivedConf</c>/<c>ConntrackdConf</c> and <c>LocalClusterServices</c> replace this
/// (phase 2 of issue 15). Every value written comes from the lab's own constants (no outside input), the layout follows
/// /work/shared/HA-NOTES.md (probed with keepalived 2.2.7 and conntrackd 1.4.7).
/// </summary>
public static class HaLabConfigs
{
    public static string Keepalived(ClusterConfig config, HaNodePaths paths)
    {
        var advert = config.AdvertInterval.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        var state = config.Local.Role == ClusterNodeRole.Primary ? "MASTER" : "BACKUP";
        var sb = new StringBuilder();
        sb.Append($$"""
            global_defs {
                router_id {{config.Local.Name}}
                # RFC 5798: centisecond adverts (VRRPv2 only knows whole seconds).
                vrrp_version 3
                script_user root
                # One gratuitous ARP burst at once and none repeated later: the lab's neighbours learn the move from it.
                vrrp_garp_master_delay 0
                vrrp_garp_master_repeat 3
            }

            vrrp_sync_group G {
                group {
                    VI_IN
                    VI_OUT
                }
                notify_master "{{paths.NotifyScript}} primary"
                notify_backup "{{paths.NotifyScript}} backup"
                notify_fault "{{paths.NotifyScript}} fault"
            }

            """);
        foreach (var (name, side, dev, offset) in new[]
                 {
                     ("VI_IN", VirtualAddressSide.Inside, config.Local.InsideInterface, 0),
                     ("VI_OUT", VirtualAddressSide.Outside, config.Local.OutsideInterface, 1),
                 })
        {
            sb.Append($$"""
                vrrp_instance {{name}} {
                    state {{state}}
                    interface {{dev}}
                    virtual_router_id {{config.VirtualRouterId + offset}}
                    priority {{config.Local.Priority}}
                    advert_int {{advert}}
                    virtual_ipaddress {

                """);
            foreach (var vip in config.VirtualAddresses.Where(v => v.Side == side))
                sb.Append($"        {vip.Address} dev {dev}\n");
            sb.Append("    }\n}\n\n");
        }
        return sb.ToString();
    }

    /// <param name="disableExternalCache">On: the peer's entries go straight into this node's kernel table as they arrive
    /// (conntrackd.conf(5) "DisableExternalCache"), so a new primary has them before keepalived adds the VIPs; Off: they
    /// wait in the external cache until the notify hook's commit (-c), and a packet that arrives in between finds no
    /// entry (HA-NOTES "A race").</param>
    public static string Conntrackd(ClusterConfig config, HaNodePaths paths, bool disableExternalCache, int port = 3780) => $$"""
        Sync {
            Mode FTFW {
                ResendQueueSize 131072
                PurgeTimeout 5
                ACKWindowSize 300
                DisableExternalCache {{(disableExternalCache ? "On" : "Off")}}
            }
            UDP {
                IPv4_address {{config.Local.SyncAddress.Address}}
                IPv4_Destination_Address {{config.Peer.SyncAddress}}
                Port {{port}}
                Interface {{config.Local.SyncInterface}}
                SndSocketBuffer 1249280
                RcvSocketBuffer 1249280
                Checksum on
            }
        }
        General {
            HashSize 32768
            HashLimit 131072
            LogFile {{paths.ConntrackdLog}}
            Syslog off
            LockFile {{paths.ConntrackdLock}}
            UNIX {
                Path {{paths.ConntrackdSocket}}
                Backlog 20
            }
            NetlinkBufferSize 2097152
            NetlinkBufferSizeMaxGrowth 8388608
            Filter From Userspace {
                Protocol Accept {
                    TCP
                }
                Address Ignore {
                    IPv4_address 127.0.0.1
                    IPv4_address {{config.Local.SyncAddress.Address}}
                    IPv4_address {{config.Peer.SyncAddress}}
                }
            }
        }

        """;

    /// <summary>
    /// keepalived's notify hook for the lab: logs the transition (its time is the VIP move the lab measures; keepalived
    /// runs it in parallel with adding the VIPs, HA-NOTES "A race") and runs conntrackd's sequence from HA-NOTES /
    /// conntrackd's doc/sync/primary-backup.sh: primary commit (-c), flush (-f), resync from the kernel (-R), bulk send
    /// (-B); backup shorten kernel timers (-t), request a resync (-n); fault -t.
    /// </summary>
    public static string NotifyScript(HaNodePaths paths)
    {
        var ct = $"conntrackd -C {paths.ConntrackdConf}";
        return $$"""
            #!/bin/sh
            echo "$(date +%s.%N) $1 begin" >> {{paths.Transitions}}
            case "$1" in
              primary) {{ct}} -c; {{ct}} -f; {{ct}} -R; {{ct}} -B ;;
              backup) {{ct}} -t; {{ct}} -n ;;
              fault) {{ct}} -t ;;
            esac
            echo "$(date +%s.%N) $1 done" >> {{paths.Transitions}}

            """;
    }
}
