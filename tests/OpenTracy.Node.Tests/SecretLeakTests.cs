using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using OpenTracy.MockProvider;
using OpenTracy.Node.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Node.Tests;

/// <summary>
/// Runs the real node executable as a process with known provider and gateway keys, exercises it
/// (answers, streams, client and upstream errors, a timeout), then searches everything it exposed —
/// stdout and stderr (at Debug, with Akka actor lifecycle logging, so every actor path is printed),
/// every response body and header, <c>/metrics</c> and <c>/v1/traces</c> — for any of the keys.
/// </summary>
public sealed partial class SecretLeakTests(ITestOutputHelper output)
{
    private const string OpenAiKey = "sk-LEAKCHECK-openai-5d1f88";
    private const string AnthropicKey = "sk-ant-LEAKCHECK-9a7e11";
    private const string AwsAccessKey = "AKIALEAKCHECK12345";
    private const string AwsSecret = "LEAKCHECKawsSecret0123456789";
    private const string GatewayKeyA = "gw-LEAKCHECK-alpha-31";
    private const string GatewayKeyB = "gw-LEAKCHECK-beta-77";
    private static readonly string[] Secrets = [OpenAiKey, AnthropicKey, AwsAccessKey, AwsSecret, GatewayKeyA, GatewayKeyB];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task No_key_appears_in_logs_error_bodies_metrics_traces_or_actor_paths()
    {
        await using var mock = await MockProviderServer.StartAsync(new MockProviderOptions { AwsSecretAccessKey = AwsSecret });
        var work = Directory.CreateTempSubdirectory("opentracy-leak-");
        var conf = Path.Combine(work.FullName, "leak.conf");
        await File.WriteAllTextAsync(conf, """
            opentracy.http.hostname = "127.0.0.1"
            opentracy.upstream.timeout = 2s
            opentracy.upstream.default-num-retries = 1
            opentracy.upstream { backoff-base = 10ms, backoff-max = 50ms }
            akka.loglevel = DEBUG
            akka.actor.debug { lifecycle = on, unhandled = on }
            """);
        var mockUrl = mock.BaseUrl.ToString().TrimEnd('/');
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = work.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "OpenTracy.Node.dll"), "--config", conf }) start.ArgumentList.Add(a);
        var env = start.Environment;
        env["OPENTRACY_HTTP_PORT"] = "0";
        env["OPENTRACY_AKKA_PORT"] = "0";
        env["OPENTRACY_GATEWAY_KEYS"] = $"{GatewayKeyA},{GatewayKeyB}";
        env["OPENAI_BASE_URL"] = mockUrl + "/v1";
        env["OPENAI_API_KEY"] = OpenAiKey;
        env["ANTHROPIC_BASE_URL"] = mockUrl;
        env["ANTHROPIC_API_KEY"] = AnthropicKey;
        env["BEDROCK_BASE_URL"] = mockUrl;
        env["AWS_ACCESS_KEY_ID"] = AwsAccessKey;
        env["AWS_SECRET_ACCESS_KEY"] = AwsSecret;
        env["AWS_REGION"] = "us-east-1";
        env["Logging__LogLevel__Default"] = "Debug";

        var logs = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var node = new Process { StartInfo = start };
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (logs) logs.AppendLine(line);
            var m = ListeningLine().Match(line);
            if (m.Success) listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        node.OutputDataReceived += (_, e) => OnLine(e.Data);
        node.ErrorDataReceived += (_, e) => OnLine(e.Data);
        node.Start();
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        var exposed = new StringBuilder();
        try
        {
            var baseUrl = await listening.Task.WaitAsync(StartTimeout);
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(1) };
            await WaitReadyAsync(http);

            async Task Call(string key, string model, string text, bool stream = false)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = new StringContent(NodeFixture.Body(model, text, stream), Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(request);
                exposed.AppendLine($"{(int)response.StatusCode} {response.Headers} {response.Content.Headers}");
                exposed.AppendLine(await response.Content.ReadAsStringAsync());
            }

            foreach (var model in new[] { "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-20241022", "bedrock/amazon.nova-lite-v1:0" })
            {
                await Call(GatewayKeyA, model, "hello [mock id=leak-ok]");
                await Call(GatewayKeyB, model, "one two [mock id=leak-stream chunks=2]", stream: true);
                await Call(GatewayKeyA, model, "[mock id=leak-401 status=401]");
                await Call(GatewayKeyA, model, "[mock id=leak-429 status=429 retry-after=0]");
                await Call(GatewayKeyA, model, "[mock id=leak-500 status=500]");
                await Call(GatewayKeyA, model, "[mock id=leak-garbage garbage=1]");
                await Call(GatewayKeyA, model, "a b c [mock id=leak-drop chunks=3 drop-after=1]", stream: true);
            }
            await Call(GatewayKeyA, "openai/gpt-4o-mini", "[mock id=leak-hang hang=1]");
            await Call(GatewayKeyA + "x", "openai/gpt-4o-mini", "wrong gateway key");
            await Call(GatewayKeyA[..^1], "openai/gpt-4o-mini", "truncated gateway key");
            await Call("", "openai/gpt-4o-mini", "no gateway key");
            await Call(GatewayKeyA, "mystery-model", "unknown model");
            await Call(GatewayKeyA, "openai/gpt-4o-mini", "{not json");

            exposed.AppendLine(await http.GetStringAsync("/metrics"));
            using var traces = new HttpRequestMessage(HttpMethod.Get, "/v1/traces?limit=1000");
            traces.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKeyB);
            using var tracesResponse = await http.SendAsync(traces);
            exposed.AppendLine(await tracesResponse.Content.ReadAsStringAsync());
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }
        }

        string everything;
        lock (logs) everything = logs + "\n" + exposed;
        output.WriteLine($"searched {everything.Length} characters (logs {logs.Length})");
        // The search must have had something to search: actor paths, metrics, error bodies and trace records.
        Assert.Contains("/user/requests/", everything);
        Assert.Contains("opentracy_requests_total", everything);
        Assert.Contains("invalid or missing gateway key", everything);
        Assert.Contains("\"request_id\"", everything);
        Assert.Contains("upstream_timeout", everything);
        foreach (var secret in Secrets)
        {
            var at = everything.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, $"a key leaked: ...{(at < 0 ? "" : everything.Substring(Math.Max(0, at - 200), Math.Min(400, everything.Length - Math.Max(0, at - 200))))}...");
        }
        work.Delete(recursive: true);
    }

    private static async Task WaitReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            using var response = await http.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the node never became ready");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
