using Akka.Actor;
using Akka.Cluster;
using OpenTracy.Engine.RateLimiting;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>GET /health</c> (the process answers) and <c>GET /health/ready</c> (this node is an Up cluster member
/// and its rate limiter can place limiter entities: see <see cref="LimiterReadiness"/>).
/// </summary>
public static class HealthEndpoints
{
    public static Task LiveAsync(HttpContext context)
        => EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, new HealthStatus("healthy"), NodeJson.Default.HealthStatus);

    public static Task ReadyAsync(HttpContext context, ActorSystem system, LimiterReadiness limiter)
    {
        var self = Cluster.Get(system).SelfMember;
        var up = self.Status == MemberStatus.Up;
        var ready = up && limiter.IsReady;
        var status = ready ? "ready" : up ? "not ready: rate limiter starting" : "not ready";
        return EdgeResponses.WriteJsonAsync(context.Response,
            ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            new HealthStatus(status, self.Status.ToString(), self.Address.ToString()),
            NodeJson.Default.HealthStatus);
    }
}
