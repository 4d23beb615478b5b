using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using PromptLeo.Web.Components.Shared;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// An organization page: acts for the organization in the route, or the active one. A caller who is not a member gets
/// 404 (the same as for an id that does not exist); a member whose role lacks the page gets 403.
/// </summary>
public abstract class OrganizationPageBase : CircuitBoundComponent
{
    [Parameter]
    public Guid? OrganizationId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    // Set only while prerendering on the server; the status code goes out with that first response.
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    protected OrganizationDirectory Directory { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    protected string UserId { get; private set; } = "";

    protected ClaimsPrincipal User { get; private set; } = new();

    /// <summary>True when the caller's role does not include this page: the page shows the access-denied notice.</summary>
    protected bool Denied { get; private set; }

    /// <summary>The caller's membership in the page's organization; null (and 404) when they are not a member.</summary>
    protected async Task<Membership?> ResolveAsync()
    {
        User = (await AuthenticationState).User;
        UserId = User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        var organizationId = OrganizationId ?? (await Directory.ActiveAsync(UserId, Circuit)).OrganizationId;
        var membership = await Directory.MembershipAsync(organizationId, UserId, Circuit);
        if (membership is null)
        {
            Navigation.NotFound();
        }
        return membership;
    }

    /// <summary>Shows the access-denied notice with status 403.</summary>
    protected void Deny()
    {
        Denied = true;
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }
}
