using Akka.Configuration;

namespace OpenTracy.Engine.Contracts;

/// <summary>
/// The one table of our serializers and what they are bound to. Add a row to bind another marker
/// interface (e.g. the limiter's messages) to its serializer; <see cref="Config"/> turns the table
/// into HOCON that nodes and remote clients both load. Also switches ClusterClient payloads to these
/// serializers (<c>use-legacy-serialization = off</c>) and raises the remote frame size.
/// </summary>
public static class OpenTracySerialization
{
    /// <summary>Largest remote frame: a long prompt is one message (Akka's default, 128,000 bytes, is too small).</summary>
    public const string MaximumFrameSize = "4MiB";

    public sealed record Binding(string Name, Type Serializer, int Id, IReadOnlyList<Type> BoundTypes);

    public static readonly List<Binding> Bindings =
    [
        new("opentracy-wire", typeof(OpenTracyWireSerializer), OpenTracyWireSerializer.SerializerId, [typeof(IOpenTracyWireMessage)]),
    ];

    public static Config Config()
    {
        var serializers = string.Join("\n", Bindings.Select(b => $"\"{b.Name}\" = \"{TypeName(b.Serializer)}\""));
        var bindings = string.Join("\n", Bindings.SelectMany(b => b.BoundTypes.Select(t => $"\"{TypeName(t)}\" = \"{b.Name}\"")));
        var ids = string.Join("\n", Bindings.Select(b => $"\"{TypeName(b.Serializer)}\" = {b.Id}"));
        return ConfigurationFactory.ParseString($$"""
            akka.actor {
              serializers { {{serializers}} }
              serialization-bindings { {{bindings}} }
              serialization-identifiers { {{ids}} }
            }
            akka.cluster.client.use-legacy-serialization = off
            akka.cluster.client.receptionist.use-legacy-serialization = off
            akka.remote.dot-netty.tcp {
              maximum-frame-size = {{MaximumFrameSize}}
              send-buffer-size = {{MaximumFrameSize}}
              receive-buffer-size = {{MaximumFrameSize}}
            }
            """);
    }

    private static string TypeName(Type t) => $"{t.FullName}, {t.Assembly.GetName().Name}";
}
