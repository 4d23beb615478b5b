using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class EInvoiceSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<decimal>(
                name: "VatRatePercent",
                table: "Invoices",
                type: "TEXT",
                nullable: false,
                oldClrType: typeof(int),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<int>(
                name: "EInvoiceFormat",
                table: "Invoices",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<byte[]>(
                name: "EInvoiceXml",
                table: "Invoices",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TaxCountry",
                table: "Invoices",
                type: "TEXT",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VatCategory",
                table: "Invoices",
                type: "TEXT",
                maxLength: 2,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "EInvoiceFormat",
                table: "AspNetUsers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "LeitwegId",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 46,
                nullable: true);

            // Invoices issued before this migration were either reverse charge or German standard rate.
            migrationBuilder.Sql("UPDATE Invoices SET VatCategory = CASE WHEN ReverseCharge = 1 THEN 'AE' ELSE 'S' END, TaxCountry = CASE WHEN ReverseCharge = 1 THEN NULL ELSE 'DE' END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EInvoiceFormat",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "EInvoiceXml",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "TaxCountry",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "VatCategory",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "EInvoiceFormat",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "LeitwegId",
                table: "AspNetUsers");

            migrationBuilder.AlterColumn<int>(
                name: "VatRatePercent",
                table: "Invoices",
                type: "INTEGER",
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "TEXT");
        }
    }
}
