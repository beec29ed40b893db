using System.Diagnostics;
using OpenTracy.Cluster.Support;

namespace OpenTracy.Cmd.Tests;

/// <summary>Runs the real <c>pbm</c> executable as a process, bounded in time.</summary>
public static class Pbm
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static async Task<Result> RunAsync(string endpoint, string command, string? stdin = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Paths.PbmDll);
        info.ArgumentList.Add(endpoint);
        foreach (var token in command.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(token);
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pbm {command} did not finish within {Limit}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running pbm (e.g. <c>cluster tail</c>); the caller kills it.</summary>
    public static Process Start(string endpoint, string command)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Paths.PbmDll);
        info.ArgumentList.Add(endpoint);
        foreach (var token in command.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(token);
        return Process.Start(info)!;
    }
}
