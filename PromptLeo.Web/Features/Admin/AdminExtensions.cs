namespace PromptLeo.Web.Features.Admin;

public static class AdminExtensions
{
    /// <summary>The admin page's services (the page itself is routed by Blazor, <c>Admin</c> role only).</summary>
    public static IHostApplicationBuilder AddPromptLeoAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<AdminUserDirectory>();
        return builder;
    }
}
