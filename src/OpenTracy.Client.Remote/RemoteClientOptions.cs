using Akka.Configuration;

namespace OpenTracy.Client.Remote;

/// <summary>
/// Where and how the client connects. From code, or from HOCON (<see cref="FromConfig"/>):
/// <code>
/// opentracy.remote-client {
///   contacts = ["akka.tcp://opentracy@10.0.0.1:4053", "akka.tcp://opentracy@10.0.0.2:4053"]
///   request-timeout = 300s
///   hostname = "127.0.0.1"   # address this client binds and advertises (nodes send stream data here)
///   port = 0
/// }
/// </code>
/// </summary>
public sealed record RemoteClientOptions
{
    public const string Section = "opentracy.remote-client";
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Cluster nodes to contact first (<c>akka.tcp://opentracy@host:port</c>); any live one is enough.</summary>
    public IReadOnlyList<string> Contacts { get; init; } = [];

    /// <summary>Longest wait for an answer or for the first chunk of a stream.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    public string Hostname { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    /// <summary>Extra HOCON for the client's actor system (e.g. <c>akka.cluster.client</c> heartbeat settings).</summary>
    public string? ExtraHocon { get; init; }

    public static RemoteClientOptions FromConfig(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing '{Section}'");
        var contacts = c.GetStringList("contacts");
        if (contacts.Count == 0) throw new ConfigurationException($"{Section}.contacts is empty");
        return new RemoteClientOptions
        {
            Contacts = [.. contacts],
            RequestTimeout = c.GetTimeSpan("request-timeout", DefaultRequestTimeout, allowInfinite: false),
            Hostname = c.GetString("hostname", "127.0.0.1"),
            Port = c.GetInt("port", 0),
        };
    }
}
