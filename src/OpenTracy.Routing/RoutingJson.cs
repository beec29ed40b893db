using System.Text.Json.Serialization;
using OpenTracy.Routing.Api;
using OpenTracy.Routing.Profiles;
using OpenTracy.Routing.Training;

namespace OpenTracy.Routing;

/// <summary>Source-generated System.Text.Json metadata for everything the routing library reads or writes.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(RouteRequest))]
[JsonSerializable(typeof(RouteResponse))]
[JsonSerializable(typeof(WeightsReloadRequest))]
[JsonSerializable(typeof(WeightsReloadResponse))]
[JsonSerializable(typeof(ProfileDocument))]
[JsonSerializable(typeof(TrainingRowDocument))]
[JsonSerializable(typeof(WeightsManifest))]
[JsonSerializable(typeof(Dictionary<string, double>))]
public sealed partial class RoutingJson : JsonSerializerContext;
