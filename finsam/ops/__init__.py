"""Operations: backup and doctor."""
