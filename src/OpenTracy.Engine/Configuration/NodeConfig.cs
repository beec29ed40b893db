using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace OpenTracy.Engine.Configuration;

/// <summary>
/// Builds a node's configuration from layers, lowest first: <c>opentracy.conf</c> (defaults) &lt;
/// the profile (<c>single-node.conf</c>) &lt; each extra file (<c>--config PATH</c>, in order) &lt;
/// environment variables. Only the variables of contracts.md are read here; provider keys and base
/// URLs stay out of HOCON (ProviderEnvironment reads them).
/// </summary>
public static class NodeConfig
{
    public const string DefaultsFile = "opentracy.conf";
    public const string SingleNodeProfile = "single-node.conf";
    public const string ClusterProfile = "cluster.conf";

    public const string HttpPortVar = "OPENTRACY_HTTP_PORT";
    public const string OpsPortVar = "OPENTRACY_OPS_PORT";
    public const string AkkaHostnameVar = "OPENTRACY_AKKA_HOSTNAME";
    public const string AkkaPortVar = "OPENTRACY_AKKA_PORT";
    public const string SeedNodesVar = "OPENTRACY_SEED_NODES";
    public const string GatewayKeysVar = "OPENTRACY_GATEWAY_KEYS";

    /// <summary>
    /// Loads the layers from <paramref name="hoconDirectory"/> plus <paramref name="extraFiles"/>, then
    /// <paramref name="extraHocon"/> (inline text, e.g. from tests), with <paramref name="environment"/> on top.
    /// </summary>
    public static Config Load(string hoconDirectory, IEnumerable<string> extraFiles, Func<string, string?> environment,
        string profile = SingleNodeProfile, string? extraHocon = null)
    {
        var config = FromEnvironment(environment);
        if (!string.IsNullOrWhiteSpace(extraHocon)) config = config.WithFallback(ConfigurationFactory.ParseString(extraHocon));
        foreach (var file in extraFiles.Reverse()) config = config.WithFallback(ParseFile(file));
        return config
            .WithFallback(ParseFile(Path.Combine(hoconDirectory, profile)))
            .WithFallback(ParseFile(Path.Combine(hoconDirectory, DefaultsFile)));
    }

    /// <summary>The profile layer: <c>cluster.conf</c> when <c>OPENTRACY_SEED_NODES</c> is set, else the embedded single node.</summary>
    public static string ProfileFor(Func<string, string?> environment)
        => string.IsNullOrWhiteSpace(environment(SeedNodesVar)) ? SingleNodeProfile : ClusterProfile;

    public static Config ParseFile(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"configuration file not found: {path}");
        return ConfigurationFactory.ParseString(File.ReadAllText(path));
    }

    /// <summary>The environment variables of contracts.md as a HOCON layer (empty variables are ignored).</summary>
    public static Config FromEnvironment(Func<string, string?> environment)
    {
        var hocon = new StringBuilder();
        string? Get(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;

        if (Get(HttpPortVar) is { } httpPort) hocon.AppendLine($"opentracy.http.port = {Port(HttpPortVar, httpPort)}");
        if (Get(OpsPortVar) is { } opsPort) hocon.AppendLine($"opentracy.ops.port = {Port(OpsPortVar, opsPort)}");
        if (Get(AkkaHostnameVar) is { } host)
        {
            hocon.AppendLine($"akka.remote.dot-netty.tcp.hostname = {Quote(host)}");
            hocon.AppendLine($"akka.remote.dot-netty.tcp.public-hostname = {Quote(host)}");
        }
        if (Get(AkkaPortVar) is { } akkaPort) hocon.AppendLine($"akka.remote.dot-netty.tcp.port = {Port(AkkaPortVar, akkaPort)}");
        if (Get(SeedNodesVar) is { } seeds) hocon.AppendLine($"akka.cluster.seed-nodes = {List(seeds)}");
        if (Get(GatewayKeysVar) is { } keys) hocon.AppendLine($"opentracy.http.gateway-keys = {List(keys)}");
        return hocon.Length == 0 ? Config.Empty : ConfigurationFactory.ParseString(hocon.ToString());
    }

    private static int Port(string variable, string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= ushort.MaxValue) return port;
        throw new ConfigurationException($"{variable} must be a port number (0-65535), got '{value}'");
    }

    /// <summary>A HOCON quoted string (JSON escaping rules).</summary>
    internal static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static string List(string commaSeparated)
        => "[" + string.Join(", ", commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Quote)) + "]";
}
