using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class Organizations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ModelPrices_ModelId_Version",
                table: "ModelPrices");

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "UsageEvents",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "Payments",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "ModelPrices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "Invoices",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "DpaAcceptances",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "CreditTransactions",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "AuditEntries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ActiveOrganizationId",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationId",
                table: "ApiKeys",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.CreateTable(
                name: "Organizations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PersonalOwnerId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Street = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PostalCode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    City = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Country = table.Column<string>(type: "TEXT", maxLength: 2, nullable: true),
                    VatId = table.Column<string>(type: "TEXT", maxLength: 30, nullable: true),
                    EInvoiceFormat = table.Column<int>(type: "INTEGER", nullable: false),
                    LeitwegId = table.Column<string>(type: "TEXT", maxLength: 46, nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    MonthlyBudgetMicros = table.Column<long>(type: "INTEGER", nullable: true),
                    Alert80Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: true),
                    Alert100Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Organizations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationInvitations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    TokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    InvitedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AcceptedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationInvitations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OrganizationInvitations_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationMembers",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    MonthlyBudgetMicros = table.Column<long>(type: "INTEGER", nullable: true),
                    Alert80Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: true),
                    Alert100Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: true),
                    JoinedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationMembers", x => new { x.OrganizationId, x.UserId });
                    table.ForeignKey(
                        name: "FK_OrganizationMembers_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_OrganizationMembers_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UsageEvents_OrganizationId_At",
                table: "UsageEvents",
                columns: new[] { "OrganizationId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ModelPrices_ModelId_Version",
                table: "ModelPrices",
                columns: new[] { "ModelId", "Version" },
                unique: true,
                filter: "OrganizationId IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ModelPrices_OrganizationId_ModelId_Version",
                table: "ModelPrices",
                columns: new[] { "OrganizationId", "ModelId", "Version" },
                unique: true,
                filter: "OrganizationId IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Invoices_OrganizationId_PeriodStart",
                table: "Invoices",
                columns: new[] { "OrganizationId", "PeriodStart" });

            migrationBuilder.CreateIndex(
                name: "IX_CreditTransactions_OrganizationId",
                table: "CreditTransactions",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_OrganizationId_At",
                table: "AuditEntries",
                columns: new[] { "OrganizationId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_OrganizationId",
                table: "ApiKeys",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationInvitations_OrganizationId_Email",
                table: "OrganizationInvitations",
                columns: new[] { "OrganizationId", "Email" });

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationInvitations_TokenHash",
                table: "OrganizationInvitations",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationMembers_UserId",
                table: "OrganizationMembers",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Organizations_PersonalOwnerId",
                table: "Organizations",
                column: "PersonalOwnerId",
                unique: true);

            // Every existing account becomes the owner of a personal organization of one, which takes over its billing
            // settings and owns its keys, usage, credit, payments, invoices and DPA acceptances. Erased accounts'
            // retained books (pseudonymized user ids) match no account and keep the empty organization id.
            var now = (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(DateTimeOffset.UtcNow)!;
            migrationBuilder.Sql($"""
                INSERT INTO Organizations (Id, PersonalOwnerId, Name, EInvoiceFormat, Language, Mode, MonthlyBudgetMicros, Alert80Month, Alert100Month, CreatedAt)
                SELECT upper(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
                       u.Id, '', 0, CASE WHEN u.PreferredLanguage LIKE 'de%' THEN 'de' ELSE 'en' END,
                       CASE WHEN b.Mode = 1 THEN 'Prepaid' ELSE 'Postpaid' END, b.MonthlyBudgetMicros, b.Alert80Month, b.Alert100Month, {now}
                FROM (SELECT hex(randomblob(16)) AS h, Id, PreferredLanguage FROM AspNetUsers) u
                LEFT JOIN BillingAccounts b ON b.UserId = u.Id;
                """);
            migrationBuilder.Sql($"""
                INSERT INTO OrganizationMembers (OrganizationId, UserId, Role, JoinedAt)
                SELECT Id, PersonalOwnerId, 'Owner', {now} FROM Organizations WHERE PersonalOwnerId IS NOT NULL;
                """);
            foreach (var table in new[] { "ApiKeys", "UsageEvents", "CreditTransactions", "Invoices", "Payments", "DpaAcceptances" })
            {
                migrationBuilder.Sql($"""
                    UPDATE {table} SET OrganizationId = (SELECT o.Id FROM Organizations o WHERE o.PersonalOwnerId = {table}.UserId)
                    WHERE EXISTS (SELECT 1 FROM Organizations o WHERE o.PersonalOwnerId = {table}.UserId);
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OrganizationInvitations");

            migrationBuilder.DropTable(
                name: "OrganizationMembers");

            migrationBuilder.DropTable(
                name: "Organizations");

            migrationBuilder.DropIndex(
                name: "IX_UsageEvents_OrganizationId_At",
                table: "UsageEvents");

            migrationBuilder.DropIndex(
                name: "IX_ModelPrices_ModelId_Version",
                table: "ModelPrices");

            migrationBuilder.DropIndex(
                name: "IX_ModelPrices_OrganizationId_ModelId_Version",
                table: "ModelPrices");

            migrationBuilder.DropIndex(
                name: "IX_Invoices_OrganizationId_PeriodStart",
                table: "Invoices");

            migrationBuilder.DropIndex(
                name: "IX_CreditTransactions_OrganizationId",
                table: "CreditTransactions");

            migrationBuilder.DropIndex(
                name: "IX_AuditEntries_OrganizationId_At",
                table: "AuditEntries");

            migrationBuilder.DropIndex(
                name: "IX_ApiKeys_OrganizationId",
                table: "ApiKeys");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "UsageEvents");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "Payments");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "ModelPrices");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "DpaAcceptances");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "CreditTransactions");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "AuditEntries");

            migrationBuilder.DropColumn(
                name: "ActiveOrganizationId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "OrganizationId",
                table: "ApiKeys");

            migrationBuilder.CreateIndex(
                name: "IX_ModelPrices_ModelId_Version",
                table: "ModelPrices",
                columns: new[] { "ModelId", "Version" },
                unique: true);
        }
    }
}
