import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '**/build/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The dashboard's page: plain ES modules run by the browser, not by Node.
    files: ['framework/controller/dashboard/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        navigator: 'readonly',
        WebSocket: 'readonly',
        URLSearchParams: 'readonly',
        CSS: 'readonly',
        fetch: 'readonly',
        getComputedStyle: 'readonly',
        requestAnimationFrame: 'readonly',
        setInterval: 'readonly',
        process: 'off',
        Buffer: 'off',
      },
    },
  },
  {
    // framework/ops knows nothing of the rest of the project (ARCHITECTURE, import rules).
    files: ['framework/ops/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/controller/**',
            '**/substrates/**',
            '**/cli/**',
            '**/testing/**',
            '**/relations/**',
            '**/charms/**',
          ],
        },
      ],
    },
  },
  {
    files: ['framework/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ['**/controller/**', '**/substrates/**', '**/cli/**', '**/relations/**', '**/charms/**'],
        },
      ],
    },
  },
);
