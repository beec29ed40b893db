using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace OpenTracy.MockProvider.Tests;

public sealed class ProgramTests
{
    private static string MockDll()
    {
        // The referenced executable is copied next to the tests together with its runtimeconfig.json.
        var local = Path.Combine(AppContext.BaseDirectory, "OpenTracy.MockProvider.dll");
        if (File.Exists(local) && File.Exists(Path.ChangeExtension(local, ".runtimeconfig.json")))
        {
            return local;
        }
        var assembly = typeof(MockProviderServer).Assembly.Location;
        if (File.Exists(Path.ChangeExtension(assembly, ".runtimeconfig.json")))
        {
            return assembly;
        }
        throw new FileNotFoundException("OpenTracy.MockProvider.dll with a runtimeconfig.json not found", local);
    }

    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(MockDll());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
    }

    private static async Task<string> FirstLine(Process process)
    {
        var read = process.StandardOutput.ReadLineAsync();
        var done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(done == read, "no first line within 60 s; stderr: " + (process.HasExited ? process.StandardError.ReadToEnd() : "(running)"));
        return await read ?? throw new InvalidOperationException("stdout closed");
    }

    [Fact]
    public async Task First_stdout_line_is_the_listening_url_and_the_server_answers()
    {
        using var process = Start("--port", "0");
        try
        {
            var line = await FirstLine(process);
            var match = Regex.Match(line, @"^listening on (http://127\.0\.0\.1:(\d+))$");
            Assert.True(match.Success, $"first line was '{line}'");
            Assert.NotEqual("0", match.Groups[2].Value);

            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
            using var res = await http.SendAsync(Wire.OpenAi("from the process"));
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.Contains("echo: from the process", await res.Content.ReadAsStringAsync());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Sigterm_stops_the_process_cleanly()
    {
        using var process = Start("--port", "0", "--aws-secret-access-key", "s3cr3t");
        try
        {
            var line = await FirstLine(process);
            Assert.StartsWith("listening on http://127.0.0.1:", line);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    [Fact]
    public async Task Configured_secret_makes_the_process_verify_signatures()
    {
        using var process = Start("--port", "0", "--aws-secret-access-key", TestSigner.Secret);
        try
        {
            var line = await FirstLine(process);
            var baseUrl = new Uri(line["listening on ".Length..]);
            using var http = new HttpClient { BaseAddress = baseUrl };
            var body = BedrockTests.ConverseBody("hi");
            using var ok = await http.SendAsync(BedrockTests.Request("/model/a.b%3A0/converse", body, baseUrl.Authority));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var bad = await http.SendAsync(BedrockTests.Request("/model/a.b%3A0/converse", body, baseUrl.Authority, secret: "wrong"));
            Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }
}
