using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace OpenTracy.Engine.Serialization;

/// <summary>
/// Serializer for every <see cref="IOpenTracyMessage"/>: System.Text.Json (UTF-8) of the concrete record,
/// named on the wire by the short manifest from <see cref="MessageManifests"/>. Only types listed there
/// can be read back, so a peer cannot make this node instantiate arbitrary types.
/// Messages carry no actor references (replies use the envelope's sender).
/// </summary>
public sealed class OpenTracySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Serializer id on the wire; Akka reserves 0–100 for its own.</summary>
    public const int Id = 731;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public override int Identifier => Id;

    public override string Manifest(object o)
        => MessageManifests.ByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} has no manifest in MessageManifests", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!MessageManifests.ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown OpenTracy message manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, Options)
               ?? throw new SerializationException($"empty OpenTracy message for manifest '{manifest}'");
    }
}
