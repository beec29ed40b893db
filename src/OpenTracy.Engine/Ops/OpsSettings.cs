using Akka.Configuration;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// <c>opentracy.ops</c>: the pbm-style command host. Without a <see cref="Key"/> only loopback
/// clients are served (pbm has no authentication); with one, every request must carry it.
/// </summary>
public sealed record OpsSettings(string Host, int Port, bool LogPalettesOnStartup, Secret? Key, bool Enabled)
{
    public const string Section = "opentracy.ops";

    public static OpsSettings FromConfig(Config config)
    {
        var c = config.HasPath(Section) ? config.GetConfig(Section) : Config.Empty;
        return new OpsSettings(
            c.GetString("host", "127.0.0.1"),
            c.GetInt("port", 9110),
            c.GetBoolean("log-palettes-on-startup", false),
            Secret.FromNullable(c.GetString("key", "")),
            c.GetBoolean("enabled", true));
    }

    public override string ToString() => $"OpsSettings({Host}:{Port}, key={(Key is null ? "none" : "set")})";
}
