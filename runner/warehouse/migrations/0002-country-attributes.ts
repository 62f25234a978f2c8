/** Version 2: the enrichment's country attributes (silver countries.parquet) on dim_country. */
export const COUNTRY_ATTRIBUTES_SQL = `
ALTER TABLE dim_country
  ADD COLUMN kind                  text,
  ADD COLUMN official_name         text,
  ADD COLUMN subregion             text,
  ADD COLUMN not_a_country_reason  text;
COMMENT ON COLUMN dim_country.kind IS 'Enrichment verdict: country, or notACountry (such as Unspecified; see not_a_country_reason).';
`;
