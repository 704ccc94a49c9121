// The public HTTP API: tenants, documents, queries (JSON or SSE), the web page, health, metrics, OpenAPI.
// Wiring lives in Hosting/GatewayHosting.cs; endpoints are grouped by resource under Endpoints/.
using MemoryPlatform.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddGateway();
var app = builder.Build();
app.UseGateway();
app.Run();

public partial class Program;
