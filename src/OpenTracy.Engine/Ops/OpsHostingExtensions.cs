using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTracy.Engine.Ops.Palettes;

namespace OpenTracy.Engine.Ops;

/// <summary>Registers the ops command host and its palettes. Palettes are discovered as every <see cref="IOpsPalette"/> in the container.</summary>
public static class OpsHostingExtensions
{
    /// <summary>The host (a hosted service started after the actor system) and the built-in palettes.</summary>
    public static IServiceCollection AddOpenTracyOps(this IServiceCollection services, Config config)
    {
        var settings = OpsSettings.FromConfig(config);
        services.AddSingleton(settings);
        services.AddOpsPalette<ClusterPalette>();
        services.AddOpsPalette<ClusterShardingPalette>();
        services.AddOpsPalette<ActorPalette>();
        services.AddOpsPalette<LogPalette>();
        services.AddOpsPalette<RemotePalette>();
        services.AddOpsPalette<TracyPalette>();
        if (settings.Enabled) services.AddHostedService<OpsHostedService>();
        return services;
    }

    /// <summary>One more palette (ours, or later a Petabridge.Cmd palette behind an adapter).</summary>
    public static IServiceCollection AddOpsPalette<T>(this IServiceCollection services) where T : class, IOpsPalette
        => services.AddSingleton<IOpsPalette, T>();
}

/// <summary>Starts the <see cref="OpsServer"/> once the actor system is up; stops it with the host.</summary>
public sealed class OpsHostedService(IServiceProvider services, OpsSettings settings, ILogger<OpsServer> log) : IHostedService
{
    private OpsServer? _server;

    public OpsServer? Server => _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new OpsServer(services.GetRequiredService<ActorSystem>(), settings, services.GetServices<IOpsPalette>(), log);
        try
        {
            server.Start();
            _server = server;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // The gateway keeps serving traffic without its ops port; the operator sees why at once.
            log.LogError("ops command host could not listen on {Host}:{Port}: {Error} (set OPENTRACY_OPS_PORT)", settings.Host, settings.Port, e.Message);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
