using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpenTracy.Engine.Observability;
using Prometheus;

namespace OpenTracy.Node.Observability;

/// <summary>Registers and maps the node's observability: metrics, trace records, OTLP span export (by configuration only).</summary>
public static class ObservabilityHosting
{
    public const string ServiceName = "opentracy";
    public const string MetricsPath = "/metrics";
    public const string TracesPath = "/v1/traces";
    public const string FeedbackPath = "/v1/feedback";

    public static IServiceCollection AddOpenTracyObservability(this IServiceCollection services, ObservabilitySettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(settings.Traces);
        services.AddSingleton(_ => new GatewayMetrics(settings.MaxModelLabels));
        if (settings.Traces.Enabled)
        {
            services.AddSingleton<TraceStore>();
            services.AddHostedService(sp => sp.GetRequiredService<TraceStore>());
            services.AddSingleton<TracesEndpoint>();
        }
        services.AddSingleton(sp => new FeedbackEndpoint(sp.GetService<TraceStore>()));
        services.AddSingleton(sp => new RequestObserver(
            sp.GetRequiredService<GatewayMetrics>(), sp.GetService<TraceStore>(), sp.GetRequiredService<ILogger<RequestObserver>>()));
        if (settings.Otlp.Enabled)
        {
            services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService(ServiceName))
                .WithTracing(tracing => tracing
                    .AddSource(EdgeTelemetry.SourceName, EngineActivity.SourceName)
                    .AddOtlpExporter(o =>
                    {
                        o.Endpoint = settings.Otlp.Endpoint;
                        o.Protocol = settings.Otlp.Protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    }));
        }
        return services;
    }

    public static void MapOpenTracyObservability(this WebApplication app, ObservabilitySettings settings)
    {
        if (settings.Metrics) app.MapMetrics(MetricsPath, app.Services.GetRequiredService<GatewayMetrics>().Registry);
        if (settings.Traces.Enabled)
            app.MapGet(TracesPath, (HttpContext context, TracesEndpoint traces) => traces.HandleAsync(context));
        app.MapPost(FeedbackPath, (HttpContext context, FeedbackEndpoint feedback) => feedback.HandleAsync(context));
    }
}
