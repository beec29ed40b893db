using Microsoft.AspNetCore.Http;
using OpenTracy.Engine.Configuration;
using OpenTracy.Node.Edge;

namespace OpenTracy.Node.Tests;

public sealed class GatewayKeysTests
{
    private static GatewayKeys Keys(params string[] keys)
        => new(new HttpSettings("127.0.0.1", 0, 1024, TimeSpan.FromSeconds(1), [.. keys.Select(k => new Secret(k))]));

    private static HttpRequest Request(string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        return context.Request;
    }

    [Theory]
    [InlineData("Bearer key-one", true)]
    [InlineData("bearer key-two", true)]
    [InlineData("Bearer   key-one  ", true)]
    [InlineData("Bearer key-on", false)]
    [InlineData("Bearer key-one1", false)]
    [InlineData("Bearer KEY-ONE", false)]
    [InlineData("Bearer ", false)]
    [InlineData("Basic key-one", false)]
    [InlineData("key-one", false)]
    [InlineData(null, false)]
    public void Accepts_exactly_the_configured_keys(string? header, bool accepted)
        => Assert.Equal(accepted, Keys("key-one", "key-two").Accepts(Request(header)));

    [Fact]
    public void Without_keys_the_gateway_is_open()
        => Assert.True(Keys().Accepts(Request(null)));

    [Fact]
    public void A_very_long_presented_key_is_refused_without_failing()
        => Assert.False(Keys("key-one").Accepts(Request("Bearer " + new string('k', 100_000))));
}
