using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>
/// Serializer settings for what the edge writes: the wire model's source-generated metadata, with
/// relaxed escaping so quotes and non-ASCII text stay readable (<c>"</c> rather than <c>\u0022</c>).
/// Safe here: the output is served as JSON or event streams, never embedded in HTML.
/// </summary>
public static class EdgeJson
{
    public static readonly WireJson Wire = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
