using System.Net;
using System.Text.Json.Nodes;

// The ".NET floor" of the benchmark: the cheapest honest gateway hop. Parse the body (JsonNode),
// serialize it again, forward it with one shared HttpClient, copy status, content type and body
// back (streamed as it arrives, so SSE passes through chunk by chunk).
// Usage: OpenTracy.Bench.Forwarder --port N --upstream http://127.0.0.1:PORT
const string PortArgument = "--port";
const string UpstreamArgument = "--upstream";
const string ChatPath = "/v1/chat/completions";

var port = 0;
string? upstream = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == PortArgument) port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == UpstreamArgument) upstream = args[i + 1].TrimEnd('/');
}
if (upstream is null)
{
    Console.Error.WriteLine($"usage: OpenTracy.Bench.Forwarder {PortArgument} N {UpstreamArgument} URL");
    return 2;
}

var client = new HttpClient(new SocketsHttpHandler
{
    UseProxy = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    MaxConnectionsPerServer = int.MaxValue,
}) { Timeout = Timeout.InfiniteTimeSpan };

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
var app = builder.Build();
app.MapGet("/health", () => "ok");
app.MapPost(ChatPath, async (HttpContext context) =>
{
    var aborted = context.RequestAborted;
    var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: aborted);
    using var request = new HttpRequestMessage(HttpMethod.Post, upstream + ChatPath)
    {
        Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body!.ToJsonString())),
    };
    request.Content.Headers.ContentType = new("application/json");
    if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);
    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, aborted);
    context.Response.StatusCode = (int)response.StatusCode;
    context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    await using var stream = await response.Content.ReadAsStreamAsync(aborted);
    await stream.CopyToAsync(context.Response.Body, aborted);
});
await app.RunAsync();
return 0;
