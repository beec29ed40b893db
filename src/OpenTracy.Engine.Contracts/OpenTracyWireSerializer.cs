using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Akka.Streams;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Contracts;

/// <summary>
/// The serializer of everything in <see cref="OpenTracySerialization.Bindings"/>: System.Text.Json
/// (source-generated, no reflection, no type names in the payload) under short stable manifests.
/// Version tolerance: unknown fields are ignored and missing ones take their defaults, so a field
/// can be added on either side without breaking the other; a manifest is never reused.
/// A stream ref inside <see cref="RemoteStreaming"/> is written by Akka's own serializer for it and embedded.
/// </summary>
public sealed class OpenTracyWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 147;
    public const string CompleteManifest = "rc";
    public const string CancelManifest = "rx";
    public const string AnsweredManifest = "ra";
    public const string StreamingManifest = "rs";
    public const string FailedManifest = "rf";
    public const string ElementManifest = "re";

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        RemoteComplete => CompleteManifest,
        RemoteCancel => CancelManifest,
        RemoteAnswered => AnsweredManifest,
        RemoteStreaming => StreamingManifest,
        RemoteFailed => FailedManifest,
        RemoteStreamElement => ElementManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not an OpenTracy wire message"),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        RemoteComplete m => JsonSerializer.SerializeToUtf8Bytes(new CompleteDto(m.RequestId, Embed(m.Body, WireJson.Default.ChatRequest)), RemoteJson.Default.CompleteDto),
        RemoteCancel m => JsonSerializer.SerializeToUtf8Bytes(m, RemoteJson.Default.RemoteCancel),
        RemoteAnswered m => JsonSerializer.SerializeToUtf8Bytes(new AnsweredDto(Embed(m.Response, WireJson.Default.ModelResponse), m.Route), RemoteJson.Default.AnsweredDto),
        RemoteFailed m => JsonSerializer.SerializeToUtf8Bytes(new FailedDto(m.Status, Embed(m.Error, WireJson.Default.ErrorResponse), m.Route), RemoteJson.Default.FailedDto),
        RemoteStreamElement m => JsonSerializer.SerializeToUtf8Bytes(new ElementDto(
            m.Chunk is null ? null : Embed(m.Chunk, WireJson.Default.StreamChunk), m.ErrorStatus,
            m.Error is null ? null : Embed(m.Error, WireJson.Default.ErrorResponse)), RemoteJson.Default.ElementDto),
        RemoteStreaming m => JsonSerializer.SerializeToUtf8Bytes(new StreamingDto(EmbedRef(m.Chunks), m.Route), RemoteJson.Default.StreamingDto),
        _ => throw new ArgumentException($"{obj.GetType()} is not an OpenTracy wire message"),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        CompleteManifest => Read(bytes, RemoteJson.Default.CompleteDto) is var c
            ? new RemoteComplete(c.RequestId, Unembed(c.Body, WireJson.Default.ChatRequest)) : null!,
        CancelManifest => Read(bytes, RemoteJson.Default.RemoteCancel),
        AnsweredManifest => Read(bytes, RemoteJson.Default.AnsweredDto) is var a
            ? new RemoteAnswered(Unembed(a.Response, WireJson.Default.ModelResponse), a.Route) : null!,
        FailedManifest => Read(bytes, RemoteJson.Default.FailedDto) is var f
            ? new RemoteFailed(f.Status, Unembed(f.Error, WireJson.Default.ErrorResponse), f.Route) : null!,
        ElementManifest => Read(bytes, RemoteJson.Default.ElementDto) is var e
            ? new RemoteStreamElement(e.Chunk is { } ch ? Unembed(ch, WireJson.Default.StreamChunk) : null, e.ErrorStatus,
                e.Error is { } er ? Unembed(er, WireJson.Default.ErrorResponse) : null) : null!,
        StreamingManifest => FromDto(Read(bytes, RemoteJson.Default.StreamingDto)),
        _ => throw new System.Runtime.Serialization.SerializationException($"unknown OpenTracy wire manifest '{manifest}'"),
    };

    private static T Read<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        => JsonSerializer.Deserialize(bytes, info) ?? throw new System.Runtime.Serialization.SerializationException($"empty {typeof(T).Name}");

    private static JsonElement Embed<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToElement(value, info);

    private static T Unembed<T>(JsonElement element, JsonTypeInfo<T> info)
        => element.Deserialize(info) ?? throw new System.Runtime.Serialization.SerializationException($"empty {typeof(T).Name}");

    private EmbeddedRef EmbedRef(ISourceRef<RemoteStreamElement> sourceRef)
    {
        var serializer = system.Serialization.FindSerializerFor(sourceRef);
        return new EmbeddedRef(serializer.Identifier, Serialization.ManifestFor(serializer, sourceRef), serializer.ToBinary(sourceRef));
    }

    private RemoteStreaming FromDto(StreamingDto dto)
    {
        var sourceRef = (ISourceRef<RemoteStreamElement>)system.Serialization.Deserialize(dto.Ref.Bytes, dto.Ref.SerializerId, dto.Ref.Manifest);
        return new RemoteStreaming(sourceRef, dto.Route);
    }
}

internal sealed record EmbeddedRef(int SerializerId, string Manifest, byte[] Bytes);

internal sealed record StreamingDto(EmbeddedRef Ref, RemoteRoute Route);

// Wire-model values are embedded as JSON written by the wire model's own source-generated context.
internal sealed record CompleteDto(string RequestId, JsonElement Body);

internal sealed record AnsweredDto(JsonElement Response, RemoteRoute Route);

internal sealed record FailedDto(int Status, JsonElement Error, RemoteRoute? Route);

internal sealed record ElementDto(JsonElement? Chunk, int? ErrorStatus, JsonElement? Error);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CompleteDto))]
[JsonSerializable(typeof(RemoteCancel))]
[JsonSerializable(typeof(AnsweredDto))]
[JsonSerializable(typeof(FailedDto))]
[JsonSerializable(typeof(ElementDto))]
[JsonSerializable(typeof(StreamingDto))]
internal sealed partial class RemoteJson : JsonSerializerContext;
