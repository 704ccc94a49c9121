// The silo host: the grain runtime (section "Silo"), the grains and their Redis stores (section "Grains"),
// the model (ModelRegistration), health probes. Start order: model check → silo → model grain + encode consumer.
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Silo;

var builder = WebApplication.CreateBuilder(args);
var grains = builder.Configuration.GetSection("Grains").Get<GrainsOptions>() ?? new GrainsOptions();
// The silo's control Redis defaults to the grains' control instance, so one setting is enough for a simple deployment.
if (builder.Configuration["Silo:RedisConnectionString"] is null)
    builder.Configuration["Silo:RedisConnectionString"] = grains.ControlRedis;

builder.Services.AddMemoryModel(grains.Model);
builder.Services.AddHostedService<ModelCheckHostedService>();
builder.Services.AddMemoryPlatformGrains(grains);
builder.Services.AddGrainSilo(builder.Configuration.GetSection("Silo"), r => r.AddMemoryPlatformGrains());
builder.Services.AddHostedService<SiloModelHostedService>();

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
// Ready: running, and the grains' Redis connections are up (after a Redis restart a silo reconnects on its own
// schedule; until then its grains can only answer 503, so it is not ready).
app.MapGet("/readyz", (MemoryPlatform.Runtime.Hosting.Silo silo, RedisStores redis) =>
    silo.State != SiloState.Running
        ? Results.Json(new { status = silo.State.ToString().ToLowerInvariant() }, statusCode: 503)
        : !redis.ControlConnection.IsConnected || !redis.SlotConnection.IsConnected
            ? Results.Json(new { status = "redis unreachable" }, statusCode: 503)
            : Results.Ok(new { status = "ready", silo = silo.SiloId }));
app.Run();

public partial class Program;
