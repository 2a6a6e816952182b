/** Accept ISO-8601 ('2024-01-01T00:00:00.000Z') as well as ClickHouse's own 'YYYY-MM-DD hh:mm:ss.SSS'. */
export const INSERT_SETTINGS = { date_time_input_format: 'best_effort' } as const;
