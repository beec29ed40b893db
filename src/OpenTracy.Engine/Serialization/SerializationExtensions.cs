using Akka.Hosting;
using OpenTracy.Engine.Contracts;

namespace OpenTracy.Engine.Serialization;

/// <summary>
/// Our serializers on a node: the table in <see cref="OpenTracySerialization.Bindings"/> (extend it
/// there), ClusterClient payloads through them, and a raised remote frame size.
/// </summary>
public static class SerializationExtensions
{
    public static AkkaConfigurationBuilder WithOpenTracySerialization(this AkkaConfigurationBuilder builder)
        => builder.AddHocon(OpenTracySerialization.Config(), HoconAddMode.Append);
}
